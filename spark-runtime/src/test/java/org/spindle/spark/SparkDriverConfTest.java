package org.spindle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** The SparkConf the spark-driver role builds from the job's keys. */
class SparkDriverConfTest {
  private static final Map<String, String> ENV = Map.of("NM_HOST", "node1", "SPINDLE_TASK_PORT", "4040");

  @Test
  void dynamicAllocationTracksShufflesAndReleasesExecutorsHoldingTheCachedFeed() {
    SparkConf sc = SparkDriverMain.sparkConf(ENV, new JobConf(Map.of(
        "spindle.spark.conf.spark.dynamicAllocation.enabled", "true",
        "spindle.spark.conf.spark.dynamicAllocation.executorIdleTimeout", "5s")), "spark-executor", 2);
    assertEquals("spindle", sc.get("spark.master"));
    assertEquals("2", sc.get("spark.executor.instances"), "the role's instances are the initial executors");
    assertEquals("true", sc.get("spark.dynamicAllocation.shuffleTracking.enabled"));
    assertEquals("5s", sc.get("spark.dynamicAllocation.cachedExecutorIdleTimeout"));
    assertEquals("5s", sc.get("spark.dynamicAllocation.shuffleTracking.timeout"));
  }

  @Test
  void whatTheJobSetsWins() {
    SparkConf sc = SparkDriverMain.sparkConf(ENV, new JobConf(Map.of(
        "spindle.spark.conf.spark.dynamicAllocation.enabled", "true",
        "spindle.spark.conf.spark.dynamicAllocation.cachedExecutorIdleTimeout", "infinity",
        "spindle.spark.conf.spark.executor.instances", "1")), "spark-executor", 2);
    assertEquals("infinity", sc.get("spark.dynamicAllocation.cachedExecutorIdleTimeout"));
    assertEquals("1", sc.get("spark.executor.instances"));
  }

  @Test
  void withoutDynamicAllocationNothingIsAdded() {
    SparkConf sc = SparkDriverMain.sparkConf(ENV, new JobConf(Map.of()), "spark-executor", 2);
    assertFalse(sc.contains("spark.dynamicAllocation.shuffleTracking.enabled"));
    assertFalse(sc.contains("spark.dynamicAllocation.cachedExecutorIdleTimeout"));
    assertFalse(sc.contains("spark.dynamicAllocation.shuffleTracking.timeout"));
    assertEquals("4040", sc.get("spark.driver.port"));
  }
}
