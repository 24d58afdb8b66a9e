package web

import "net/http"

// studyRoutes adds this module's pages to mux (placeholder until the module lands).
func (h *handler) studyRoutes(mux *http.ServeMux) {}
