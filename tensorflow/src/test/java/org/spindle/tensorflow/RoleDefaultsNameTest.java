package org.spindle.tensorflow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.spindle.conf.RoleDefaults;

/** The TF roles' default main class (a string in conf/, which cannot see this module) is this module's. */
class RoleDefaultsNameTest {
  @Test
  void tfRolesDefaultToTfTaskMain() {
    assertEquals(TfTaskMain.class.getName(), RoleDefaults.TF_TASK_MAIN);
  }
}
