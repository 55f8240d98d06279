package org.spindle.conf;

/** A task's stable identity: role plus index. */
public record TaskRef(String role, int index) {
  public static TaskRef parse(String s) {
    int colon = s.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("expected role:index, got '" + s + "'");
    }
    return new TaskRef(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
  }

  @Override
  public String toString() {
    return role + ":" + index;
  }
}
