package org.spindle.client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parsed options shared by submit and run: --conf (XML file or k=v), --jars, flags, positionals. */
final class CliArgs {
  final List<Path> jobXmls = new ArrayList<>();
  final List<String> overrides = new ArrayList<>();
  final List<Path> jars = new ArrayList<>();
  final Map<String, String> options = new LinkedHashMap<>();
  final List<String> flags = new ArrayList<>();
  final List<String> positional = new ArrayList<>();

  /**
   * Parses {@code args}; {@code valueOptions} take a value, {@code flagOptions} do not. Any other
   * "--" word is an error naming the options the command knows, never silently ignored.
   */
  static CliArgs parse(List<String> args, List<String> valueOptions, List<String> flagOptions) {
    CliArgs a = new CliArgs();
    for (int i = 0; i < args.size(); i++) {
      String s = args.get(i);
      if (s.equals("--conf")) {
        String v = value(args, ++i, s);
        if (v.contains("=") && !Files.isRegularFile(Path.of(v))) {
          a.overrides.add(v);
        } else {
          Path p = Path.of(v);
          if (!Files.isRegularFile(p)) {
            throw new SpindleCli.CliException("--conf " + v + ": no such file (use --conf key=value for one key)");
          }
          a.jobXmls.add(p);
        }
      } else if (s.equals("--jars")) {
        for (String j : value(args, ++i, s).split(",")) {
          Path p = Path.of(j.trim());
          if (!Files.isRegularFile(p)) {
            throw new SpindleCli.CliException("--jars: " + p + " does not exist");
          }
          a.jars.add(p);
        }
      } else if (valueOptions.contains(s)) {
        a.options.put(s, value(args, ++i, s));
      } else if (flagOptions.contains(s)) {
        a.flags.add(s);
      } else if (s.startsWith("--")) {
        List<String> known = new ArrayList<>(List.of("--conf", "--jars"));
        known.addAll(valueOptions);
        known.addAll(flagOptions);
        throw new SpindleCli.CliException("unknown option '" + s + "'; this command takes " + String.join(", ", known));
      } else {
        a.positional.add(s);
      }
    }
    return a;
  }

  private static String value(List<String> args, int i, String option) {
    if (i >= args.size()) {
      throw new SpindleCli.CliException(option + " needs a value");
    }
    return args.get(i);
  }
}
