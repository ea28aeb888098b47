package openaiserver

import (
	"encoding/json"
	"net/http"
)

// moderationCategories are the category names the service reports.
var moderationCategories = []string{
	"harassment", "harassment/threatening", "hate", "hate/threatening",
	"illicit", "illicit/violent", "self-harm", "self-harm/intent",
	"self-harm/instructions", "sexual", "sexual/minors", "violence",
	"violence/graphic",
}

type moderationRequest struct {
	Input json.RawMessage `json:"input"`
	Model string          `json:"model"`
}

type moderationResult struct {
	Flagged        bool               `json:"flagged"`
	Categories     map[string]bool    `json:"categories"`
	CategoryScores map[string]float64 `json:"category_scores"`
}

type moderationList struct {
	ID      string             `json:"id"`
	Model   string             `json:"model"`
	Results []moderationResult `json:"results"`
}

func (s *Server) moderations(w http.ResponseWriter, _ *http.Request, body []byte) {
	var req moderationRequest
	if !decode(w, body, &req) {
		return
	}
	var inputs []string
	var one string
	if err := json.Unmarshal(req.Input, &one); err == nil {
		inputs = []string{one}
	} else if err := json.Unmarshal(req.Input, &inputs); err != nil || len(inputs) == 0 {
		badParam("input", "'input' must be a string or a non-empty array of strings").write(w)
		return
	}
	model := req.Model
	if model == "" {
		model = "omni-moderation-latest"
	}
	out := moderationList{ID: s.nextID("modr-"), Model: model, Results: make([]moderationResult, len(inputs))}
	for i, in := range inputs {
		res := moderationResult{
			Categories:     make(map[string]bool, len(moderationCategories)),
			CategoryScores: make(map[string]float64, len(moderationCategories)),
		}
		for _, c := range moderationCategories {
			res.Categories[c] = false
			res.CategoryScores[c] = 0.0001
		}
		for _, c := range s.cfg.moderator.Moderate(in) {
			res.Flagged = true
			res.Categories[c] = true
			res.CategoryScores[c] = 0.99
		}
		out.Results[i] = res
	}
	writeJSON(w, http.StatusOK, out)
}
