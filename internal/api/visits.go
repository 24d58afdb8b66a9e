package api

import "net/http"

// visitRoutes adds this module's endpoints to mux (placeholder until the module lands).
func (h *handler) visitRoutes(mux *http.ServeMux) {}
