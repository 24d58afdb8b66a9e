package api

import "net/http"

// problemRoutes adds this module's endpoints to mux (placeholder until the module lands).
func (h *handler) problemRoutes(mux *http.ServeMux) {}
