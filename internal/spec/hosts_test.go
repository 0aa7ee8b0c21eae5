package spec

import "testing"

func TestEndpointsAndServiceIPs(t *testing.T) {
	c, err := Parse(Example())
	if err != nil {
		t.Fatal(err)
	}
	s := &c.Spec
	if got := s.APIServerURL(); got != "https://192.168.10.11:6443" {
		t.Errorf("APIServerURL = %s", got)
	}
	s.ControlPlane.Endpoint = "lb.example.com"
	if got := s.APIServerEndpoint(); got != "lb.example.com:6443" {
		t.Errorf("endpoint without port = %s", got)
	}
	s.ControlPlane.Endpoint = "lb.example.com:8443"
	if got := s.APIServerEndpoint(); got != "lb.example.com:8443" {
		t.Errorf("endpoint with port = %s", got)
	}
	first, _ := s.ServiceIP(1)
	dns, _ := s.DNSServiceIP()
	if first.String() != "10.96.0.1" || dns.String() != "10.96.0.10" {
		t.Errorf("service IPs %s %s", first, dns)
	}
	if len(s.ControlPlaneHosts()) != 1 || len(s.EtcdHosts()) != 1 || len(s.HostsWithRole(RoleWorker)) != 3 {
		t.Error("role selection wrong")
	}
	if _, ok := s.Host("node2"); !ok {
		t.Error("Host(node2) not found")
	}
}
