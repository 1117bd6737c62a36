"""The plain data the program is made of: configuration and settings, versions, capacity, and the models of
workloads, the mesh, Bookinfo and Istio's objects. Nothing here declares a resource."""
