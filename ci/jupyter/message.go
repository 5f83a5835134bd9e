// Package jupyter is a client for the Jupyter messaging protocol (version 5.x) over
// ZeroMQ: it writes a connection file, starts a kernel from its kernelspec, signs
// every message it sends and verifies every message it receives, and runs code.
//
// See https://jupyter-client.readthedocs.io/en/latest/messaging.html.
package jupyter

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ProtocolVersion is the messaging protocol version this client speaks.
const ProtocolVersion = "5.3"

const delimiter = "<IDS|MSG>"

// Header is a message header.
type Header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// Message is one decoded Jupyter message.
type Message struct {
	Identities [][]byte
	Header     Header
	Parent     Header
	Metadata   map[string]any
	Content    map[string]any
	Buffers    [][]byte
}

// Type is the message's msg_type.
func (m *Message) Type() string { return m.Header.MsgType }

// String returns the content field key as a string ("" when absent or not a string).
func (m *Message) String(key string) string {
	s, _ := m.Content[key].(string)
	return s
}

// signer signs and verifies messages with HMAC-SHA256.
type signer struct{ key []byte }

func (s signer) sign(parts ...[]byte) []byte {
	if len(s.key) == 0 {
		return nil
	}
	mac := hmac.New(sha256.New, s.key)
	for _, p := range parts {
		mac.Write(p)
	}
	sum := mac.Sum(nil)
	out := make([]byte, hex.EncodedLen(len(sum)))
	hex.Encode(out, sum)
	return out
}

// encode turns m into ZeroMQ frames.
func (s signer) encode(m *Message) ([][]byte, error) {
	header, err := json.Marshal(m.Header)
	if err != nil {
		return nil, err
	}
	parent := []byte("{}")
	if m.Parent.MsgID != "" {
		if parent, err = json.Marshal(m.Parent); err != nil {
			return nil, err
		}
	}
	meta, err := json.Marshal(orEmpty(m.Metadata))
	if err != nil {
		return nil, err
	}
	content, err := json.Marshal(orEmpty(m.Content))
	if err != nil {
		return nil, fmt.Errorf("encoding %s content: %w", m.Header.MsgType, err)
	}
	frames := append([][]byte{}, m.Identities...)
	frames = append(frames, []byte(delimiter), s.sign(header, parent, meta, content), header, parent, meta, content)
	return append(frames, m.Buffers...), nil
}

// decode parses ZeroMQ frames into a message, verifying the signature.
func (s signer) decode(frames [][]byte) (*Message, error) {
	i := 0
	for i < len(frames) && string(frames[i]) != delimiter {
		i++
	}
	if i == len(frames) {
		return nil, errors.New("no <IDS|MSG> delimiter in message")
	}
	if len(frames) < i+6 {
		return nil, fmt.Errorf("message has %d frames after the delimiter, want at least 5", len(frames)-i-1)
	}
	sig, header, parent, meta, content := frames[i+1], frames[i+2], frames[i+3], frames[i+4], frames[i+5]
	if want := s.sign(header, parent, meta, content); !hmac.Equal(sig, want) {
		return nil, fmt.Errorf("message signature %.16q does not match its content (wrong key or tampered message)", sig)
	}
	m := &Message{Identities: frames[:i], Buffers: frames[i+6:]}
	if err := json.Unmarshal(header, &m.Header); err != nil {
		return nil, fmt.Errorf("message header: %w", err)
	}
	if err := json.Unmarshal(parent, &m.Parent); err != nil {
		return nil, fmt.Errorf("%s message parent_header: %w", m.Header.MsgType, err)
	}
	if err := json.Unmarshal(meta, &m.Metadata); err != nil {
		return nil, fmt.Errorf("%s message metadata: %w", m.Header.MsgType, err)
	}
	if err := json.Unmarshal(content, &m.Content); err != nil {
		return nil, fmt.Errorf("%s message content: %w", m.Header.MsgType, err)
	}
	return m, nil
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func newHeader(session, msgType string) Header {
	return Header{
		MsgID:    newID(),
		Session:  session,
		Username: "ci",
		Date:     time.Now().UTC().Format("2006-01-02T15:04:05.000000Z"),
		MsgType:  msgType,
		Version:  ProtocolVersion,
	}
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
