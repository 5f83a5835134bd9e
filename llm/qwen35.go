package llm

import (
	_ "embed"

	"github.com/how-llms-work/course/llm/model"
)

// qwen35Config is the config.json that Qwen publishes with Qwen/Qwen3.5-0.8B
// (text_config and vision_config), so the chapters can count its parameters
// without downloading anything.
//
//go:embed qwen35-0.8b-config.json
var qwen35Config []byte

// Qwen35Config returns the published configuration of Qwen3.5-0.8B: the sizes
// of its text model, vision tower and multi-token-prediction head.
// Qwen35Config().Params() is the parameter accounting the course quotes
// (852,985,920 = text + vision).
func Qwen35Config() *Config {
	c, err := model.ParseConfig(qwen35Config)
	if err != nil { // the embedded file is checked by a test
		panic("llm: embedded Qwen3.5-0.8B config: " + err.Error())
	}
	return c
}
