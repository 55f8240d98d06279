package org.spindle.task;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The classes user code calls from inside a task (the trainer reporting metrics, the Spark driver
 * and executors reading the job) expose JDK types only: spindle.jar relocates gRPC, protobuf and
 * Hadoop's clients, so a Spindle type in a signature would tie user code to one build of the jar.
 */
class TaskSideApiTest {
  private static final List<Class<?>> TASK_SIDE = List.of(TaskReporter.class, AmView.class, AmView.TaskInfo.class,
      AmView.JobInfo.class);

  @Test
  void publicSignaturesUseOnlyJdkTypesAndTheApisOwnRecords() {
    List<String> offending = new ArrayList<>();
    for (Class<?> c : TASK_SIDE) {
      for (Method m : c.getDeclaredMethods()) {
        if (!Modifier.isPublic(m.getModifiers()) || m.isSynthetic()) {
          continue;
        }
        check(c, m, m.getGenericReturnType(), offending);
        for (Type p : m.getGenericParameterTypes()) {
          check(c, m, p, offending);
        }
        for (Type e : m.getGenericExceptionTypes()) {
          check(c, m, e, offending);
        }
      }
    }
    assertEquals(List.of(), offending);
  }

  private static void check(Class<?> owner, Method m, Type t, List<String> offending) {
    if (t instanceof ParameterizedType p) {
      check(owner, m, p.getRawType(), offending);
      for (Type a : p.getActualTypeArguments()) {
        check(owner, m, a, offending);
      }
      return;
    }
    if (!(t instanceof Class<?> c)) {
      return; // type variables and wildcards carry no package
    }
    while (c.isArray()) {
      c = c.getComponentType();
    }
    boolean ok = c.isPrimitive() || c.getName().startsWith("java.") || TASK_SIDE.contains(c);
    if (!ok) {
      offending.add(owner.getSimpleName() + "." + m.getName() + " uses " + c.getName());
    }
  }
}
