package api

import "net/http"

// studyRoutes adds this module's endpoints to mux (placeholder until the module lands).
func (h *handler) studyRoutes(mux *http.ServeMux) {}
