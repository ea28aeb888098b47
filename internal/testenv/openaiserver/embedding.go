package openaiserver

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// Vector returns the embedding the server gives text: dim float32 values
// (dim below 1 counts as 1) drawn from SHA-256 of text, scaled to unit
// length as the real service's vectors are. Equal texts get equal vectors;
// different texts get unrelated ones. Tests compare against it.
func Vector(text string, dim int) []float32 {
	dim = max(dim, 1)
	raw := make([]float64, 0, dim+7)
	// Block i is SHA-256 of a 4-byte big-endian counter followed by text.
	buf := make([]byte, 4+len(text))
	copy(buf[4:], text)
	for i := uint32(0); len(raw) < dim; i++ {
		binary.BigEndian.PutUint32(buf, i)
		sum := sha256.Sum256(buf)
		for j := 0; j+4 <= len(sum) && len(raw) < dim; j += 4 {
			u := binary.BigEndian.Uint32(sum[j:])
			raw = append(raw, float64(u)/float64(1<<31)-1)
		}
	}
	var norm float64
	for _, v := range raw {
		norm += v * v
	}
	norm = math.Sqrt(norm)
	if norm == 0 {
		norm = 1
	}
	out := make([]float32, dim)
	for i, v := range raw {
		out[i] = float32(v / norm)
	}
	return out
}

// TokensText is the text whose Vector the server returns for a token-array
// input, such as "tokens:1,2,3".
func TokensText(tokens []int) string {
	parts := make([]string, len(tokens))
	for i, t := range tokens {
		parts[i] = strconv.Itoa(t)
	}
	return "tokens:" + strings.Join(parts, ",")
}

type embeddingRequest struct {
	Input          json.RawMessage `json:"input"`
	Model          string          `json:"model"`
	EncodingFormat string          `json:"encoding_format"`
	Dimensions     int             `json:"dimensions"`
}

type embeddingList struct {
	Object string          `json:"object"`
	Data   []embeddingItem `json:"data"`
	Model  string          `json:"model"`
	Usage  embeddingUsage  `json:"usage"`
}

type embeddingItem struct {
	Object    string `json:"object"`
	Index     int    `json:"index"`
	Embedding any    `json:"embedding"`
}

type embeddingUsage struct {
	PromptTokens int `json:"prompt_tokens"`
	TotalTokens  int `json:"total_tokens"`
}

// embeddingInputs returns the texts to embed and their token counts.
func embeddingInputs(raw json.RawMessage) ([]string, int, bool) {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, CountTokens(one), one != ""
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil && len(many) > 0 {
		n := 0
		for _, s := range many {
			if s == "" {
				return nil, 0, false
			}
			n += CountTokens(s)
		}
		return many, n, true
	}
	var tokens []int
	if json.Unmarshal(raw, &tokens) == nil && len(tokens) > 0 {
		return []string{TokensText(tokens)}, len(tokens), true
	}
	var batches [][]int
	if json.Unmarshal(raw, &batches) == nil && len(batches) > 0 {
		out := make([]string, len(batches))
		n := 0
		for i, b := range batches {
			if len(b) == 0 {
				return nil, 0, false
			}
			out[i] = TokensText(b)
			n += len(b)
		}
		return out, n, true
	}
	return nil, 0, false
}

func (s *Server) embeddings(w http.ResponseWriter, _ *http.Request, body []byte) {
	var req embeddingRequest
	if !decode(w, body, &req) {
		return
	}
	if req.Model == "" {
		badParam("model", "you must provide a model parameter").write(w)
		return
	}
	inputs, tokens, ok := embeddingInputs(req.Input)
	if !ok {
		badParam("input", "'input' must be a non-empty string, array of non-empty strings, or array of token arrays").write(w)
		return
	}
	if req.EncodingFormat != "" && req.EncodingFormat != "float" && req.EncodingFormat != "base64" {
		badParam("encoding_format", "'encoding_format' must be 'float' or 'base64'").write(w)
		return
	}
	if req.Dimensions < 0 {
		badParam("dimensions", "'dimensions' must be at least 1").write(w)
		return
	}
	dim := s.cfg.embedDim
	if req.Dimensions > 0 {
		dim = req.Dimensions
	}
	out := embeddingList{
		Object: "list",
		Data:   make([]embeddingItem, len(inputs)),
		Model:  req.Model,
		Usage:  embeddingUsage{PromptTokens: tokens, TotalTokens: tokens},
	}
	for i, in := range inputs {
		vec := Vector(in, dim)
		var enc any = vec
		if req.EncodingFormat == "base64" {
			buf := make([]byte, 4*len(vec))
			for j, v := range vec {
				binary.LittleEndian.PutUint32(buf[4*j:], math.Float32bits(v))
			}
			enc = base64.StdEncoding.EncodeToString(buf)
		}
		out.Data[i] = embeddingItem{Object: "embedding", Index: i, Embedding: enc}
	}
	writeJSON(w, http.StatusOK, out)
}
