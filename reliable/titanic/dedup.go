package titanic

import (
	bolt "go.etcd.io/bbolt"

	"github.com/brokerless/zmq/reliable/idempotent"
)

var bucketDedup = []byte("dedup") // idempotent receiver: request id -> reply frames

// Dedup returns an idempotent.Store kept in this file: the replies an idempotent
// receiver gave survive restarts. It keeps every id until Forget; the caller bounds
// its growth.
func (s *Store) Dedup() idempotent.Store { return dedup{s.db} }

type dedup struct{ db *bolt.DB }

func (d dedup) Get(id []byte) ([][]byte, bool, error) {
	var reply [][]byte
	var ok bool
	err := d.db.View(func(tx *bolt.Tx) error {
		rec := tx.Bucket(bucketDedup).Get(id)
		if rec == nil {
			return nil
		}
		f, err := decodeFrames(rec)
		reply, ok = f, err == nil
		return err
	})
	return reply, ok, err
}

func (d dedup) Put(id []byte, reply [][]byte) error {
	return d.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDedup).Put(id, encodeFrames(reply))
	})
}

// Forget removes an id from the store of Dedup.
func (s *Store) Forget(id []byte) error {
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketDedup).Delete(id) })
}
