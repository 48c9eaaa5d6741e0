/*
 * net/: the appliance's network stack (lwIP over the platform's Ethernet
 * device) and the services on it. Platform-neutral: everything below comes
 * from plat/plat.h.
 */
#ifndef NET_NET_H
#define NET_NET_H

/*
 * Bring the interface up from the configuration (plat_config_get: hostname,
 * ip, gateway, ip6, ip6_gateway, echo), hook lwIP's timers into the event
 * loop and start the services. Call once, before plat_run(). Returns 0 or a
 * negative errno (-EINVAL for a configuration value that does not parse,
 * -ENODEV without a network device).
 */
int net_start(void);

/*
 * Whether `addr` (an lwIP ip_addr_t) is on the LAN: one of the interface's
 * own IPv4 subnets or IPv6 prefixes (/64), or link-local. The status and
 * metrics pages answer only these.
 */
#include <stdbool.h>
struct ip_addr;
bool net_is_lan(const struct ip_addr *addr);

struct altcp_pcb;
/*
 * Close a listening plain-TCP altcp pcb. lwIP 2.1.3's altcp_tcp_close()
 * reads the poll callback of its tcp_pcb, a field a listening pcb (the
 * smaller tcp_pcb_listen) does not have: a read past its end. This closes
 * the TCP pcb itself first, so altcp only frees its own.
 */
void net_tcp_listener_close(struct altcp_pcb *l);

#endif
