// Command xdsdump asks istiod over xDS for the configuration one proxy of the end-to-end run's cluster would
// receive (its clusters, listeners and routes), as Istio's own ADS client sees it, and writes it as JSON files.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/protobuf/encoding/protojson"
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
	flag.Parse()
	if err := dump(*address, *nodeType, *namespace, *workload, *ip, *metadata, *out, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "xdsdump:", err)
		os.Exit(1)
	}
}

func dump(address, nodeType, namespace, workload, ip, metadata, out string, timeout time.Duration) error {
	fields := map[string]any{}
	if err := json.Unmarshal([]byte(metadata), &fields); err != nil {
		return fmt.Errorf("metadata: %v", err)
	}
	meta, err := structpb.NewStruct(fields)
	if err != nil {
		return fmt.Errorf("metadata: %v", err)
	}
	client, err := adsc.New(address, &adsc.ADSConfig{
		Config: adsc.Config{
			Namespace: namespace,
			Workload:  workload,
			IP:        ip,
			Meta:      meta,
			NodeType:  model.NodeType(nodeType),
		},
		InitialDiscoveryRequests: []*discovery.DiscoveryRequest{{TypeUrl: v3.ClusterType}, {TypeUrl: v3.ListenerType}},
	})
	if err != nil {
		return err
	}
	defer client.Close()
	if err := client.Run(); err != nil {
		return err
	}
	if _, err := client.Wait(timeout, v3.ClusterType, v3.ListenerType, v3.RouteType); err != nil {
		return err
	}
	if err := client.Save(out); err != nil {
		return err
	}
	return saveEdsClusters(client, out+"_eds_clusters.json")
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
