package org.spindle.conf;

import java.util.List;

/** Bad job configuration: the message lists every problem and what to do about it. */
public class SpindleConfigException extends RuntimeException {
  private final List<String> problems;

  public SpindleConfigException(List<String> problems) {
    super("Invalid Spindle job configuration:\n  - " + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  public SpindleConfigException(String problem) {
    this(List.of(problem));
  }

  public List<String> problems() {
    return problems;
  }
}
