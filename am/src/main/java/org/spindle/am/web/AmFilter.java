package org.spindle.am.web;

import java.lang.reflect.InvocationTargetException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.http.FilterContainer;
import org.apache.hadoop.http.FilterInitializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * YARN's AM web filter, as YARN itself configures it for an AM: the class and init parameters that
 * {@code AmFilterInitializer} (hadoop-yarn-server-web-proxy, on every NodeManager's yarn.application.classpath)
 * gives, i.e. {@code AmIpFilter} with the proxy hosts and proxy URI bases of this application (the standalone
 * web proxy, or every RM's web address under RM HA with their RM_HA_URLS). Spindle does not compute them.
 */
public record AmFilter(String filterClass, Map<String, String> params) {
  private static final Logger LOG = LoggerFactory.getLogger(AmFilter.class);
  static final String INITIALIZER = "org.apache.hadoop.yarn.server.webproxy.amfilter.AmFilterInitializer";

  /**
   * A Jetty front end per servlet API that AmIpFilter may be built against: the cluster's own (a Hadoop
   * install's unshaded jars) and the one Hadoop's shaded client jars relocate (an embedded mini cluster).
   * Each entry: the servlet Filter interface, Jetty's Server class, and Spindle's front end for that pair.
   */
  private static final List<String[]> JETTIES = List.of(
      new String[] {"javax.servlet.Filter", "org.eclipse.jetty.server.Server", "org.spindle.am.web.jetty.JettyUi"},
      new String[] {"org.apache.hadoop.shaded.javax.servlet.Filter",
          "org.apache.hadoop.shaded.org.eclipse.jetty.server.Server", "org.spindle.am.web.hadoopjetty.JettyUi"});

  public AmFilter {
    params = Map.copyOf(params);
  }

  /** What YARN's AmFilterInitializer configures on this AM; empty when the classpath lacks YARN's web proxy. */
  public static Optional<AmFilter> of(Configuration conf) {
    FilterInitializer initializer;
    try {
      initializer = (FilterInitializer) Class.forName(INITIALIZER).getDeclaredConstructor().newInstance();
    } catch (ClassNotFoundException | LinkageError e) {
      LOG.warn("YARN's web proxy (hadoop-yarn-server-web-proxy) is not on the AM's classpath ({}): the tracking UI"
          + " cannot use YARN's AmIpFilter", e.toString());
      return Optional.empty();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot make " + INITIALIZER, e);
    }
    Map<String, AmFilter> added = new LinkedHashMap<>();
    initializer.initFilter(new FilterContainer() {
      @Override
      public void addFilter(String name, String classname, Map<String, String> parameters) {
        added.put(name, new AmFilter(classname, parameters));
      }

      @Override
      public void addGlobalFilter(String name, String classname, Map<String, String> parameters) {
        addFilter(name, classname, parameters);
      }
    }, conf);
    if (added.size() != 1) {
      throw new IllegalStateException(INITIALIZER + " configured " + added.size() + " filters, expected one: " + added);
    }
    return Optional.of(added.values().iterator().next());
  }

  /**
   * The tracking UI on a Jetty that runs this filter, if the classpath has a Jetty for the servlet API the
   * filter class was built against; empty (with the reason logged) if not.
   */
  static Optional<UiFrontEnd> jettyFrontEnd(TrackingServer ui, Optional<UiTls> tls, AmFilter filter) {
    ClassLoader cl = AmFilter.class.getClassLoader();
    Class<?> filterClass;
    try {
      filterClass = Class.forName(filter.filterClass(), false, cl);
    } catch (ClassNotFoundException | LinkageError e) {
      LOG.warn("{} is not loadable ({}): the tracking UI guards itself", filter.filterClass(), e.toString());
      return Optional.empty();
    }
    for (String[] jetty : JETTIES) {
      try {
        if (Class.forName(jetty[0], false, cl).isAssignableFrom(filterClass)) {
          Class.forName(jetty[1], false, cl);
          return Optional.of((UiFrontEnd) Class.forName(jetty[2], true, cl)
              .getDeclaredConstructor(TrackingServer.class, Optional.class, AmFilter.class)
              .newInstance(ui, tls, filter));
        }
      } catch (ClassNotFoundException | NoClassDefFoundError e) {
        LOG.debug("no {} with {}: {}", jetty[2], jetty[0], e.toString());
      } catch (InvocationTargetException e) {
        throw new IllegalStateException("the tracking UI could not start on Jetty with " + filter.filterClass()
            + ": " + e.getCause(), e.getCause());
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot make " + jetty[2], e);
      }
    }
    LOG.warn("no Jetty on the AM's classpath runs {} (built for {}): the tracking UI guards itself",
        filter.filterClass(), filterClass.getInterfaces().length == 0 ? "?" : filterClass.getInterfaces()[0].getName());
    return Optional.empty();
  }
}
