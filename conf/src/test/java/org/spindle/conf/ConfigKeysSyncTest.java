package org.spindle.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** spindle-default.xml documents exactly the keys ConfigKeys declares, each with a description. */
class ConfigKeysSyncTest {
  private final KeyCatalog catalog = KeyCatalog.load();

  @Test
  void everyDeclaredKeyIsDocumentedAndViceVersa() {
    Set<String> declared = new TreeSet<>(ConfigKeys.APP_KEYS);
    for (String suffix : ConfigKeys.ROLE_SUFFIXES) {
      declared.add(ConfigKeys.roleTemplate(suffix));
    }
    declared.add(ConfigKeys.ROLE_ENV_TEMPLATE);
    declared.add(ConfigKeys.SPARK_CONF_TEMPLATE);
    assertEquals(declared, new TreeSet<>(catalog.entries().keySet()));
  }

  @Test
  void everyKeyConstantIsListed() throws IllegalAccessException {
    List<String> missing = new ArrayList<>();
    for (Field f : ConfigKeys.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        String v = (String) f.get(null);
        if (v.startsWith("spindle.") && !v.endsWith(".") && !v.contains("{")
            && !ConfigKeys.APP_KEYS.contains(v)) {
          missing.add(f.getName() + "=" + v);
        }
        if (f.getName().startsWith("ROLE_") && !v.contains(".") && !v.contains("{")
            && !ConfigKeys.ROLE_SUFFIXES.contains(v) && !v.equals(ConfigKeys.ROLE_ENV)) {
          missing.add(f.getName() + "=" + v);
        }
      }
    }
    assertEquals(List.of(), missing, "constants not in APP_KEYS/ROLE_SUFFIXES");
  }

  @Test
  void everyEntryHasADescription() {
    catalog.entries().values().forEach(e ->
        assertFalse(e.description().isBlank(), e.name() + " has no description"));
  }
}
