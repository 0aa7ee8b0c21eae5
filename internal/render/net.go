package render

import "net"

// httpsURL is https://host:port, with brackets around IPv6 addresses.
func httpsURL(host, port string) string { return "https://" + net.JoinHostPort(host, port) }
