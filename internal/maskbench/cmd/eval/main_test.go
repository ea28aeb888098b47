package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunPrintsTables(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run([]string{"-n", "60", "-seed", "3", "-examples", "1"}, &out))
	s := out.String()
	assert.Contains(t, s, "corpus: seed 3, 60 documents")
	assert.Contains(t, s, "false positives in 1 MiB of clean text")
	assert.Contains(t, s, "## Shared entity types")
	assert.Contains(t, s, "| IBAN_CODE |")
	assert.Contains(t, s, "### alcatraz: missed values")
}

func TestRunRejectsBadFlags(t *testing.T) {
	var out bytes.Buffer
	assert.Error(t, run([]string{"-n", "many"}, &out))
}
