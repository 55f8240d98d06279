package org.spindle.am.web;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.conf.HAUtil;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.util.RMHAUtils;
import org.apache.hadoop.yarn.webapp.util.WebAppUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * YARN's web proxy as the AM's UI sees it, learned the way YARN's AmIpFilter learns it: the standalone proxy
 * (yarn.web-proxy.address) if there is one, else every ResourceManager's web address under RM HA (each rm-id),
 * else the ResourceManager's web address. {@link #hosts}: their addresses, whose requests the UI serves
 * without the secret; {@link #uriBases}: the proxy's URL of this application, where a browser that came
 * straight to the AM is sent, as AmIpFilter does. A wildcard address (0.0.0.0, often left by HA setups) names
 * no host: it is skipped, never read as "this machine", which would let every process on the AM's node in.
 */
public record YarnWebProxy(Set<InetAddress> hosts, List<String> uriBases) {
  private static final Logger LOG = LoggerFactory.getLogger(YarnWebProxy.class);

  public static final YarnWebProxy NONE = new YarnWebProxy(Set.of(), List.of());

  public YarnWebProxy {
    hosts = Set.copyOf(hosts);
    uriBases = List.copyOf(uriBases);
  }

  /** {@code proxyBase}: the path YARN gives the AM (APPLICATION_WEB_PROXY_BASE, "/proxy/&lt;appId&gt;"), or null. */
  public static YarnWebProxy of(Configuration conf, String proxyBase) {
    List<String> addresses = new ArrayList<>();
    String standalone = conf.getTrimmed(YarnConfiguration.PROXY_ADDRESS, "");
    if (!standalone.isEmpty()) {
      addresses.add(standalone);
    } else if (HAUtil.isHAEnabled(conf)) {
      addresses.addAll(RMHAUtils.getRMHAWebappAddresses(new YarnConfiguration(conf)));
    }
    if (addresses.isEmpty()) {
      addresses.add(WebAppUtils.getRMWebAppURLWithoutScheme(conf));
    }
    Set<InetAddress> hosts = new LinkedHashSet<>();
    List<String> bases = new ArrayList<>();
    String scheme = WebAppUtils.getHttpSchemePrefix(conf);
    for (String address : addresses) {
      String host = address.contains(":") ? address.substring(0, address.lastIndexOf(':')) : address;
      if (host.isBlank() || isWildcard(host)) {
        LOG.warn("YARN's web proxy address {} names no host: requests from it are not trusted, and the UI opens with"
            + " the application's secret only (set yarn.resourcemanager.hostname, per rm-id under HA, or"
            + " yarn.web-proxy.address)", address);
        continue;
      }
      try {
        hosts.addAll(List.of(InetAddress.getAllByName(host)));
        bases.add(scheme + address + (proxyBase == null ? "" : proxyBase));
      } catch (UnknownHostException e) {
        LOG.warn("YARN's web proxy host {} does not resolve: requests from it are not trusted", host);
      }
    }
    return new YarnWebProxy(hosts, bases);
  }

  private static boolean isWildcard(String host) {
    try {
      return InetAddress.getByName(host).isAnyLocalAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  public boolean isProxy(InetAddress remote) {
    return hosts.contains(remote);
  }

  /** Where to send a browser that came straight to the AM: the same path through the first proxy. */
  public Optional<String> redirect(String pathAndQuery) {
    return uriBases.isEmpty() ? Optional.empty() : Optional.of(uriBases.get(0) + pathAndQuery);
  }
}
