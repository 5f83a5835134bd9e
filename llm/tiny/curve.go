package tiny

import _ "embed"

//go:embed training/loss.csv
var lossCSV []byte

// LossCSV returns training/loss.csv: the loss curve recorded while the
// embedded weights were trained (step, loss, lr, grad_norm, tokens per
// line; see README.md).
func LossCSV() []byte { return lossCSV }
