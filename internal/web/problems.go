package web

import "net/http"

// problemRoutes adds this module's pages to mux (placeholder until the module lands).
func (h *handler) problemRoutes(mux *http.ServeMux) {}
