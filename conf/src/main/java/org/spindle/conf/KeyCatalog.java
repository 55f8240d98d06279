package org.spindle.conf;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The documented keys, read from spindle-default.xml: name (possibly templated), default, description. */
public final class KeyCatalog {
  public static final String DEFAULT_RESOURCE = "spindle-default.xml";

  /** One documented key. */
  public record Entry(String name, String defaultValue, String description) {}

  private final Map<String, Entry> entries;

  private KeyCatalog(Map<String, Entry> entries) {
    this.entries = Collections.unmodifiableMap(entries);
  }

  public static KeyCatalog load() {
    try (InputStream in = KeyCatalog.class.getClassLoader().getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(DEFAULT_RESOURCE + " is missing from the classpath");
      }
      return parse(in);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + DEFAULT_RESOURCE, e);
    }
  }

  static KeyCatalog parse(InputStream in) {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      Document doc = f.newDocumentBuilder().parse(in);
      NodeList props = doc.getElementsByTagName("property");
      Map<String, Entry> map = new LinkedHashMap<>();
      for (int i = 0; i < props.getLength(); i++) {
        Element p = (Element) props.item(i);
        String name = text(p, "name");
        map.put(name, new Entry(name, text(p, "value"), text(p, "description")));
      }
      return new KeyCatalog(map);
    } catch (Exception e) {
      throw new IllegalStateException("cannot parse " + DEFAULT_RESOURCE, e);
    }
  }

  private static String text(Element p, String tag) {
    NodeList n = p.getElementsByTagName(tag);
    return n.getLength() == 0 ? "" : n.item(0).getTextContent().trim();
  }

  public Map<String, Entry> entries() {
    return entries;
  }

  public String defaultOf(String name) {
    Entry e = entries.get(name);
    if (e == null) {
      throw new IllegalArgumentException("undocumented key " + name);
    }
    return e.defaultValue();
  }

  /** Whether a concrete key (role keys with a real role name) is a documented key. */
  public boolean isKnown(String key) {
    if (entries.containsKey(key)) {
      return !key.contains("{");
    }
    if (key.startsWith(ConfigKeys.SPARK_CONF_PREFIX) && key.length() > ConfigKeys.SPARK_CONF_PREFIX.length()) {
      return true;
    }
    String[] role = RoleKeys.split(key);
    if (role == null) {
      return false;
    }
    if (role[1].startsWith(ConfigKeys.ROLE_ENV + ".") && role[1].length() > 4) {
      return true;
    }
    return entries.containsKey(ConfigKeys.roleTemplate(role[1]));
  }

  /** The closest documented key to an unknown one, with the user's role name filled in. */
  public String suggest(String unknown) {
    String[] role = RoleKeys.split(unknown);
    List<String> candidates = new ArrayList<>();
    for (String name : entries.keySet()) {
      if (name.contains(ConfigKeys.ROLE_PLACEHOLDER)) {
        if (role != null && !name.contains("{name}")) {
          candidates.add(name.replace(ConfigKeys.ROLE_PLACEHOLDER, role[0]));
        }
      } else if (!name.contains("{")) {
        candidates.add(name);
      }
    }
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String c : candidates) {
      int d = editDistance(unknown, c);
      if (d < bestDistance) {
        bestDistance = d;
        best = c;
      }
    }
    return best;
  }

  static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
