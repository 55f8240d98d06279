package org.spindle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.spindle.conf.RoleDefaults;

/** The Spark roles' default main classes (strings in conf/, which cannot see this module) are this module's. */
class RoleDefaultsNameTest {
  @Test
  void sparkRolesDefaultToTheirMains() {
    assertEquals(SparkDriverMain.class.getName(), RoleDefaults.SPARK_DRIVER_MAIN);
    assertEquals(SparkExecutorMain.class.getName(), RoleDefaults.SPARK_EXECUTOR_MAIN);
  }
}
