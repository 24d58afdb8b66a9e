package web

import "net/http"

// visitRoutes adds this module's pages to mux (placeholder until the module lands).
func (h *handler) visitRoutes(mux *http.ServeMux) {}
