package org.spindle.conf;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Splits spindle.role.&lt;name&gt;.&lt;suffix&gt; keys. */
final class RoleKeys {
  /** Role names: lower-case letters, digits, '-' and '_', starting with a letter. */
  static final Pattern ROLE_NAME = Pattern.compile("[a-z][a-z0-9_-]*");
  private static final Pattern ROLE_KEY =
      Pattern.compile(Pattern.quote(ConfigKeys.ROLE_PREFIX) + "([^.]+)\\.(.+)");

  private RoleKeys() {}

  /** Returns {role, suffix} or null when the key is not a role key. */
  static String[] split(String key) {
    Matcher m = ROLE_KEY.matcher(key);
    if (!m.matches()) {
      return null;
    }
    return new String[] {m.group(1), m.group(2)};
  }
}
