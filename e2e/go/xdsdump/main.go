// Command xdsdump asks istiod over xDS for the configuration one proxy of the end-to-end run's cluster would
// receive (its clusters, their endpoints, listeners and routes), as Istio's own ADS client sees it, and writes it as
// JSON files.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"

	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"istio.io/istio/pilot/pkg/model"
	v3 "istio.io/istio/pilot/pkg/xds/v3"
	"istio.io/istio/pkg/adsc"
)

func main() {
	address := flag.String("address", "127.0.0.1:15010", "istiod's plaintext xDS address")
	nodeType := flag.String("type", string(model.SidecarProxy), "the proxy's type: sidecar, router or waypoint")
	namespace := flag.String("namespace", "", "the proxy's namespace")
	workload := flag.String("workload", "", "the proxy's pod name")
	ip := flag.String("ip", "", "the proxy's pod IP")
	metadata := flag.String("metadata", "{}", "the proxy's node metadata, as a JSON object")
	out := flag.String("out", "", "the prefix of the files written: PREFIX_cds.json, PREFIX_lds_tcp.json, ...")
	timeout := flag.Duration("timeout", 30*time.Second, "how long to wait for the configuration")
	hold := flag.Duration("hold", 0, "how long to stay connected once the files are written (it prints: written)")
	flag.Parse()
	if err := dump(*address, *nodeType, *namespace, *workload, *ip, *metadata, *out, *timeout, *hold); err != nil {
		fmt.Fprintln(os.Stderr, "xdsdump:", err)
		os.Exit(1)
	}
}

func dump(address, nodeType, namespace, workload, ip, metadata, out string, timeout, hold time.Duration) error {
	fields := map[string]any{}
	if err := json.Unmarshal([]byte(metadata), &fields); err != nil {
		return fmt.Errorf("metadata: %v", err)
	}
	meta, err := structpb.NewStruct(fields)
	if err != nil {
		return fmt.Errorf("metadata: %v", err)
	}
	config := adsc.Config{
		Namespace: namespace,
		Workload:  workload,
		IP:        ip,
		Meta:      meta,
		NodeType:  model.NodeType(nodeType),
	}
	client, err := adsc.New(address, &adsc.ADSConfig{
		Config:                   config,
		InitialDiscoveryRequests: []*discovery.DiscoveryRequest{{TypeUrl: v3.ClusterType}, {TypeUrl: v3.ListenerType}},
	})
	if err != nil {
		return err
	}
	defer client.Close()
	if err := client.Run(); err != nil {
		return err
	}
	if _, err := client.Wait(timeout, v3.ClusterType, v3.EndpointType, v3.ListenerType, v3.RouteType); err != nil {
		return err
	}
	if err := client.Save(out); err != nil {
		return err
	}
	if err := saveEdsClusters(client, out+"_eds_clusters.json"); err != nil {
		return err
	}
	if err := saveNamedRoutes(client, address, config, out+"_rds.json", timeout); err != nil {
		return err
	}
	if hold > 0 {
		fmt.Println("written")
		time.Sleep(hold)
	}
	return nil
}

// routeNames are the route configurations the HTTP listeners name.
func routeNames(listeners map[string]*listener.Listener) []string {
	var names []string
	for _, l := range listeners {
		for _, chain := range l.GetFilterChains() {
			for _, filter := range chain.GetFilters() {
				manager := &hcm.HttpConnectionManager{}
				if filter.GetTypedConfig().UnmarshalTo(manager) == nil && manager.GetRds() != nil {
					names = append(names, manager.GetRds().GetRouteConfigName())
				}
			}
		}
	}
	return names
}

// saveNamedRoutes rewrites the routes file with every route configuration the listeners name. The ADS client asks
// for routes by port, as a sidecar's are named; a gateway's are named otherwise (`http.8080`), so those are asked
// for by name on a delta stream of the same proxy.
func saveNamedRoutes(client *adsc.ADSC, address string, config adsc.Config, path string, timeout time.Duration) error {
	routes := map[string]proto.Message{}
	for name, configuration := range client.GetRoutes() {
		routes[name] = configuration
	}
	var mutex sync.Mutex
	options := []adsc.Option{adsc.Register(func(_ adsc.HandlerContext, name, _ string, got *route.RouteConfiguration, _ adsc.Event) {
		if got != nil {
			mutex.Lock()
			routes[name] = got
			mutex.Unlock()
		}
	})}
	missing := 0
	for _, name := range routeNames(client.GetHTTPListeners()) {
		if _, found := routes[name]; !found {
			options = append(options, adsc.Watch[*route.RouteConfiguration](name))
			missing++
		}
	}
	if missing == 0 {
		return nil
	}
	delta := adsc.NewDelta(address, &adsc.DeltaADSConfig{Config: config}, options...)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	go delta.Run(ctx)
	defer delta.Close()
	select {
	case <-delta.Synced():
	case <-ctx.Done():
		return fmt.Errorf("no answer for the %d route configurations the listeners name", missing)
	}
	mutex.Lock()
	defer mutex.Unlock()
	return writeNamed(routes, path)
}

// writeNamed writes messages as the ADS client's Save does: a list of {name: message}, sorted by name.
func writeNamed(messages map[string]proto.Message, path string) error {
	names := make([]string, 0, len(messages))
	for name := range messages {
		names = append(names, name)
	}
	sort.Strings(names)
	entries := make([]map[string]json.RawMessage, 0, len(names))
	for _, name := range names {
		text, err := protojson.Marshal(messages[name])
		if err != nil {
			return err
		}
		entries = append(entries, map[string]json.RawMessage{name: text})
	}
	text, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, text, 0o644)
}

// saveEdsClusters writes the clusters whose endpoints come by EDS (every outbound cluster of the mesh's Services,
// with its circuit breakers and outlier detection), which the ADS client's Save leaves out.
func saveEdsClusters(client *adsc.ADSC, path string) error {
	clusters := client.GetEdsClusters()
	names := make([]string, 0, len(clusters))
	for name := range clusters {
		names = append(names, name)
	}
	sort.Strings(names)
	dumped := make(map[string]json.RawMessage, len(names))
	for _, name := range names {
		text, err := protojson.Marshal(clusters[name])
		if err != nil {
			return err
		}
		dumped[name] = text
	}
	text, err := json.MarshalIndent(dumped, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, text, 0o644)
}
