/*
 * libspindle-bind: makes a TensorFlow task's gRPC server listen on its container's address only.
 *
 * TensorFlow's GrpcServer binds "0.0.0.0:<port>" with no option to choose the address (gRPC then binds
 * the IPv6 wildcard, dual-stack). The task launcher preloads this library into a TF task's JVM with
 * SPINDLE_BIND_PORT (the task port it registered) and SPINDLE_BIND_ADDRESS (the IPv4 or IPv6 address of
 * the container's host). A bind() of exactly that port to a wildcard address becomes a bind to that
 * address (IPv4 on an IPv6 socket as its v4-mapped form); every other bind() passes through unchanged.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef int (*bind_fn)(int, const struct sockaddr *, socklen_t);

static int wildcard_port(const struct sockaddr *addr, socklen_t len, int *port) {
  if (addr->sa_family == AF_INET && len >= (socklen_t) sizeof(struct sockaddr_in)) {
    const struct sockaddr_in *in = (const struct sockaddr_in *) addr;
    *port = ntohs(in->sin_port);
    return in->sin_addr.s_addr == htonl(INADDR_ANY);
  }
  if (addr->sa_family == AF_INET6 && len >= (socklen_t) sizeof(struct sockaddr_in6)) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) addr;
    *port = ntohs(in6->sin6_port);
    return IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr);
  }
  return 0;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len) {
  static bind_fn real_bind;
  if (real_bind == NULL) {
    real_bind = (bind_fn) dlsym(RTLD_NEXT, "bind");
    if (real_bind == NULL) {
      errno = ENOSYS;
      return -1;
    }
  }
  const char *want_port = getenv("SPINDLE_BIND_PORT");
  const char *want_address = getenv("SPINDLE_BIND_ADDRESS");
  int port;
  if (addr == NULL || want_port == NULL || want_address == NULL || !wildcard_port(addr, len, &port)
      || port != atoi(want_port)) {
    return real_bind(fd, addr, len);
  }
  struct in_addr ip4;
  struct in6_addr ip6;
  if (inet_pton(AF_INET, want_address, &ip4) == 1) {
    if (addr->sa_family == AF_INET) {
      struct sockaddr_in fixed;
      memcpy(&fixed, addr, sizeof fixed);
      fixed.sin_addr = ip4;
      return real_bind(fd, (const struct sockaddr *) &fixed, sizeof fixed);
    }
    struct sockaddr_in6 fixed;
    memcpy(&fixed, addr, sizeof fixed);
    memset(&fixed.sin6_addr, 0, sizeof fixed.sin6_addr);
    fixed.sin6_addr.s6_addr[10] = 0xff;
    fixed.sin6_addr.s6_addr[11] = 0xff;
    memcpy(&fixed.sin6_addr.s6_addr[12], &ip4, sizeof ip4);
    return real_bind(fd, (const struct sockaddr *) &fixed, sizeof fixed);
  }
  if (inet_pton(AF_INET6, want_address, &ip6) == 1 && addr->sa_family == AF_INET6) {
    struct sockaddr_in6 fixed;
    memcpy(&fixed, addr, sizeof fixed);
    fixed.sin6_addr = ip6;
    return real_bind(fd, (const struct sockaddr *) &fixed, sizeof fixed);
  }
  /* an IPv6 container address asked on an IPv4 socket cannot be honoured: refuse rather than open all */
  errno = EADDRNOTAVAIL;
  return -1;
}
