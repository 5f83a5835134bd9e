// Package model is the Qwen3.5 text model: its config, parameter accounting,
// weights read in place from safetensors, and a float32 forward pass written
// to read like the architecture (one file per layer kind).
package model
