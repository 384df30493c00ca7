package callback

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// What the Handler writes can hold personal data: the BizNo (often derived
// from a user), the vendor's result (a face image, its URL, identity
// fields the vendor echoes, the raw body), the session's binding. So every
// value it writes to the Store, and the binding cookie's payload, is
// sealed with AES-256-GCM under a key derived from Handler.Key, with the
// value's own Store key as associated data: a value copied under another
// key (another session's) does not open. A value sealed under one of
// PreviousKeys still opens, so rotating Key keeps the sessions in flight
// readable; every write seals under Key. Store keys that would name a
// BizNo name instead its keyed hash (HMAC-SHA256 under another key derived
// from Key), so that no store key holds personal data either.
//
// A sealed value is
//
//	0x01 | key ID (4 bytes) | nonce (12 bytes) | ciphertext and GCM tag
//
// where the key ID names the ring key that sealed it (derived from that
// key, so it says nothing of it).

// sealVersion is the first byte of every sealed value.
const sealVersion = 0x01

const (
	sealKeyIDLen = 4
	sealHeader   = 1 + sealKeyIDLen + 12 // version, key ID, nonce
	// The HKDF info strings: each derived key serves one purpose.
	infoSeal  = "go-liveness callback: store and cookie sealing (AES-256-GCM)"
	infoName  = "go-liveness callback: store key names (HMAC-SHA256)"
	infoKeyID = "go-liveness callback: sealing key ID"
)

// errSealed: a stored value or a cookie that does not open.
var errSealed = errors.New("callback: sealed value does not open with Key or PreviousKeys")

// ringKey is one key of the ring: its sealing cipher, its key ID and its
// naming key.
type ringKey struct {
	id   [sealKeyIDLen]byte
	aead cipher.AEAD
	name []byte
}

// keyRing holds the keys derived from Key (first: it seals and names) and
// from each of PreviousKeys (they open, and their names are looked up).
type keyRing []ringKey

// newKeyRing derives the ring from the Handler's keys; keys shorter than 32
// bytes are skipped (Key's length is checked by Validate).
func newKeyRing(current []byte, previous [][]byte) (keyRing, error) {
	var ring keyRing
	for i, k := range append([][]byte{current}, previous...) {
		if len(k) < 32 {
			if i == 0 {
				return nil, errors.New("callback: Handler.Key must hold at least 32 bytes")
			}
			continue
		}
		sk, err := hkdf.Key(sha256.New, k, nil, infoSeal, 32)
		if err != nil {
			return nil, err
		}
		block, err := aes.NewCipher(sk)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		nk, err := hkdf.Key(sha256.New, k, nil, infoName, 32)
		if err != nil {
			return nil, err
		}
		idk, err := hkdf.Key(sha256.New, k, nil, infoKeyID, sealKeyIDLen)
		if err != nil {
			return nil, err
		}
		rk := ringKey{aead: aead, name: nk}
		copy(rk.id[:], idk)
		ring = append(ring, rk)
	}
	return ring, nil
}

// seal encrypts plain under the ring's current key, bound to ad.
func (kr keyRing) seal(ad string, plain []byte) []byte {
	k := &kr[0]
	out := make([]byte, sealHeader, sealHeader+len(plain)+k.aead.Overhead())
	out[0] = sealVersion
	copy(out[1:], k.id[:])
	nonce := out[1+sealKeyIDLen : sealHeader]
	_, _ = rand.Read(nonce)
	return k.aead.Seal(out, nonce, plain, []byte(ad))
}

// open decrypts a value seal made for ad, under any key of the ring.
func (kr keyRing) open(ad string, sealed []byte) ([]byte, error) {
	if len(sealed) < sealHeader || sealed[0] != sealVersion {
		return nil, errSealed
	}
	for i := range kr {
		k := &kr[i]
		if !hmac.Equal(k.id[:], sealed[1:1+sealKeyIDLen]) {
			continue
		}
		plain, err := k.aead.Open(nil, sealed[1+sealKeyIDLen:sealHeader], sealed[sealHeader:], []byte(ad))
		if err == nil {
			return plain, nil
		}
	}
	return nil, errSealed
}

// names returns the Store-key names of a value that may hold personal data
// (a BizNo), one per ring key: the current key's first. Each is the first
// 16 bytes of HMAC-SHA256 under the key's naming key, in hex.
func (kr keyRing) names(s string) []string {
	out := make([]string, 0, len(kr))
	for i := range kr {
		m := hmac.New(sha256.New, kr[i].name)
		m.Write([]byte(s))
		out = append(out, hex.EncodeToString(m.Sum(nil)[:16]))
	}
	return out
}

// ring returns the Handler's key ring, derived once. The Handler's keys must
// not change once it serves requests.
func (h *Handler) ring() (keyRing, error) {
	h.ringOnce.Do(func() { h.keys, h.keysErr = newKeyRing(h.Key, h.PreviousKeys) })
	return h.keys, h.keysErr
}

// sealFor seals a value to be stored under key.
func (h *Handler) sealFor(key string, plain []byte) ([]byte, error) {
	kr, err := h.ring()
	if err != nil {
		return nil, err
	}
	return kr.seal(key, plain), nil
}

// openFrom opens a value read from under key.
func (h *Handler) openFrom(key string, sealed []byte) ([]byte, error) {
	kr, err := h.ring()
	if err != nil {
		return nil, err
	}
	plain, err := kr.open(key, sealed)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errUnreadable, err)
	}
	return plain, nil
}
