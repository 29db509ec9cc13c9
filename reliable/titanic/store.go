package titanic

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// FileName is the name of the store's file in its directory.
const FileName = "titanic.db"

// Status is what the store knows of a request.
type Status int

const (
	Unknown Status = iota // never stored, or closed
	Pending               // stored, no reply yet
	Done                  // the reply is stored
)

var (
	bucketRequests = []byte("requests") // uuid -> queue position (8 bytes) + frames [service, body...]
	bucketReplies  = []byte("replies")  // uuid -> frames
	bucketQueue    = []byte("queue")    // position (8 bytes, big-endian) -> uuid, for requests without reply
)

// ErrCorrupt is returned for a record the store cannot decode.
var ErrCorrupt = errors.New("titanic: corrupt record")

// Store keeps Titanic's requests and replies in a bbolt file. Every write is a
// transaction committed with fsync before the method returns, so what a method
// reported as stored survives a crash of the process or of the machine. Its methods
// are safe for concurrent use; a file is opened by one Store at a time (a second
// Open waits for the lock, then fails).
type Store struct {
	db *bolt.DB
}

// Open opens (creating if needed) the store in directory dir.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("titanic: %w", err)
	}
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("titanic: open %s: %w", dir, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketRequests, bucketReplies, bucketQueue, bucketDedup} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("titanic: %w", err)
	}
	return &Store{db: db}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// newUUID returns 16 random bytes in hex, the guide's titanic's 32-character form.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// AddRequest stores a request for service and returns its uuid. The request is on
// disk when AddRequest returns.
func (s *Store) AddRequest(service string, body [][]byte) (string, error) {
	id := newUUID()
	err := s.db.Update(func(tx *bolt.Tx) error {
		q := tx.Bucket(bucketQueue)
		n, err := q.NextSequence()
		if err != nil {
			return err
		}
		var pos [8]byte
		binary.BigEndian.PutUint64(pos[:], n)
		if err := q.Put(pos[:], []byte(id)); err != nil {
			return err
		}
		rec := append(pos[:], encodeFrames(append([][]byte{[]byte(service)}, body...))...)
		return tx.Bucket(bucketRequests).Put([]byte(id), rec)
	})
	if err != nil {
		return "", fmt.Errorf("titanic: store request: %w", err)
	}
	return id, nil
}

// Request returns the service and body of a stored request.
func (s *Store) Request(id string) (service string, body [][]byte, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		rec := tx.Bucket(bucketRequests).Get([]byte(id))
		if rec == nil {
			return nil
		}
		if len(rec) < 8 {
			return ErrCorrupt
		}
		f, err := decodeFrames(rec[8:])
		if err != nil {
			return err
		}
		if len(f) == 0 {
			return ErrCorrupt
		}
		service, body, ok = string(f[0]), f[1:], true
		return nil
	})
	return service, body, ok, err
}

// Pending returns the uuids of the requests without a reply, oldest first.
func (s *Store) Pending() ([]string, error) {
	var ids []string
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketQueue).ForEach(func(_, v []byte) error {
			ids = append(ids, string(v))
			return nil
		})
	})
	return ids, err
}

// SetReply stores the reply to request id and takes it off the queue, in one
// transaction. A request closed meanwhile is left closed.
func (s *Store) SetReply(id string, reply [][]byte) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		rec := tx.Bucket(bucketRequests).Get([]byte(id))
		if rec == nil {
			return nil
		}
		if len(rec) < 8 {
			return ErrCorrupt
		}
		if err := tx.Bucket(bucketQueue).Delete(rec[:8]); err != nil {
			return err
		}
		return tx.Bucket(bucketReplies).Put([]byte(id), encodeFrames(reply))
	})
}

// Reply returns the status of request id, and its reply when Done.
func (s *Store) Reply(id string) ([][]byte, Status, error) {
	var reply [][]byte
	st := Unknown
	err := s.db.View(func(tx *bolt.Tx) error {
		if rec := tx.Bucket(bucketReplies).Get([]byte(id)); rec != nil {
			f, err := decodeFrames(rec)
			reply, st = f, Done
			return err
		}
		if tx.Bucket(bucketRequests).Get([]byte(id)) != nil {
			st = Pending
		}
		return nil
	})
	return reply, st, err
}

// CloseRequest forgets request id and its reply. Closing an unknown request does
// nothing.
func (s *Store) CloseRequest(id string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		reqs := tx.Bucket(bucketRequests)
		if rec := reqs.Get([]byte(id)); len(rec) >= 8 {
			if err := tx.Bucket(bucketQueue).Delete(rec[:8]); err != nil {
				return err
			}
		}
		if err := reqs.Delete([]byte(id)); err != nil {
			return err
		}
		return tx.Bucket(bucketReplies).Delete([]byte(id))
	})
}

// encodeFrames writes a frame count and each frame with its length, as uvarints.
func encodeFrames(f [][]byte) []byte {
	b := binary.AppendUvarint(nil, uint64(len(f)))
	for _, x := range f {
		b = binary.AppendUvarint(b, uint64(len(x)))
		b = append(b, x...)
	}
	return b
}

// decodeFrames reverses encodeFrames, copying out of b (bbolt's memory is valid
// only inside its transaction).
func decodeFrames(b []byte) ([][]byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, ErrCorrupt
	}
	b = b[k:]
	f := make([][]byte, 0, n)
	for range n {
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) {
			return nil, ErrCorrupt
		}
		f = append(f, append([]byte{}, b[k:k+int(l)]...))
		b = b[k+int(l):]
	}
	if len(b) != 0 {
		return nil, ErrCorrupt
	}
	return f, nil
}
