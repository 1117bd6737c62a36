// Package agentgateway is a local stand-in: the real package needs github.com/agentgateway/agentgateway/api,
// which the Go module proxy does not serve. PILOT_ENABLE_AGENTGATEWAY defaults to false, so istiod never calls it.
package agentgateway

import (
	"k8s.io/apimachinery/pkg/runtime/schema"

	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/pkg/serviceregistry/kube/controller"
	"istio.io/istio/pilot/pkg/status"
	"istio.io/istio/pilot/pkg/xds"
	"istio.io/istio/pkg/kube"
)

type Controller struct {
	model.AgentgatewayController
	Registrations []xds.Registration
}

func NewAgwController(kc kube.Client, waitForCRD func(class schema.GroupVersionResource, stop <-chan struct{}) bool,
	options controller.Options,
) *Controller {
	panic("agentgateway support is stubbed out in this build (PILOT_ENABLE_AGENTGATEWAY must stay false)")
}

func (c *Controller) SetStatusWrite(enabled bool, statusManager *status.Manager) {}
