package org.spindle.am.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/** Which hosts the UI takes for YARN's web proxy, from the cluster's configuration, as AmIpFilter learns them. */
class YarnWebProxyTest {
  private static Configuration conf() {
    return new Configuration(false);
  }

  @Test
  void underRmHaEveryResourceManagersWebAddressIsAProxy() throws Exception {
    Configuration c = conf();
    c.set("yarn.resourcemanager.ha.enabled", "true");
    c.set("yarn.resourcemanager.ha.rm-ids", "rm1,rm2");
    c.set("yarn.resourcemanager.webapp.address.rm1", "127.0.0.2:8088");
    c.set("yarn.resourcemanager.webapp.address.rm2", "127.0.0.3:8089");
    YarnWebProxy p = YarnWebProxy.of(c, "/proxy/application_1_0001");
    assertEquals(Set.of(InetAddress.getByName("127.0.0.2"), InetAddress.getByName("127.0.0.3")), p.hosts());
    assertEquals(List.of("http://127.0.0.2:8088/proxy/application_1_0001", "http://127.0.0.3:8089/proxy/application_1_0001"),
        p.uriBases());
    assertTrue(p.isProxy(InetAddress.getByName("127.0.0.3")), "the standby becomes the active one");
    assertTrue(!p.isProxy(InetAddress.getByName("127.0.0.1")), "nobody else");
  }

  @Test
  void aStandaloneProxyWinsOverTheResourceManager() throws Exception {
    Configuration c = conf();
    c.set("yarn.web-proxy.address", "127.0.0.4:9046");
    c.set("yarn.resourcemanager.webapp.address", "127.0.0.2:8088");
    YarnWebProxy p = YarnWebProxy.of(c, "/proxy/application_1_0001");
    assertEquals(Set.of(InetAddress.getByName("127.0.0.4")), p.hosts());
    assertEquals("http://127.0.0.4:9046/proxy/application_1_0001/?x=1", p.redirect("/?x=1").orElseThrow());
  }

  @Test
  void aWildcardAddressTrustsNobodyRatherThanThisMachine() {
    Configuration c = conf();
    c.set("yarn.resourcemanager.webapp.address", "0.0.0.0:8088");
    YarnWebProxy p = YarnWebProxy.of(c, "/proxy/application_1_0001");
    assertEquals(Set.of(), p.hosts(), "0.0.0.0 names no host");
    assertTrue(p.redirect("/").isEmpty());

    Configuration ha = conf();
    ha.set("yarn.resourcemanager.ha.enabled", "true");
    ha.set("yarn.resourcemanager.ha.rm-ids", "rm1,rm2");
    ha.set("yarn.resourcemanager.webapp.address.rm1", "0.0.0.0:8088");
    ha.set("yarn.resourcemanager.webapp.address.rm2", "127.0.0.3:8088");
    assertEquals(Set.of(inetAddress("127.0.0.3")), YarnWebProxy.of(ha, null).hosts(), "only the named RM");
  }

  private static InetAddress inetAddress(String ip) {
    try {
      return InetAddress.getByName(ip);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
