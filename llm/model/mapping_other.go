//go:build !(linux && (amd64 || arm64))

package model

import "github.com/how-llms-work/course/llm/safetensors"

// hugeMapping is what Open did about huge pages for one mapped file:
// nothing, on this system (see mapping_linux.go).
type hugeMapping struct{}

func adviseHuge(*safetensors.File) hugeMapping { return hugeMapping{} }

// HugeMapped returns how many bytes of the mapped checkpoint's weights are
// currently mapped with 2 MiB page-table entries, and the weights' mapped
// size: both 0 on this system, where Open leaves the page size to the OS.
func (m *Model) HugeMapped() (huge, total int64) { return 0, 0 }
