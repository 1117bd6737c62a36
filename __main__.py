"""istio-demo: a GKE cluster (or an existing one), Istio's demo profile, Bookinfo and one traffic-management scenario."""

from components.interruption import end_quietly_when_interrupted
from components.program import program

end_quietly_when_interrupted()
program()
