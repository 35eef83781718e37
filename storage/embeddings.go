package storage

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/relaisbot/relais/bot"
	"github.com/relaisbot/relais/faq"
)

var _ faq.VectorStore = (*DB)(nil)

// FAQVectors returns every stored phrasing vector of model.
func (db *DB) FAQVectors(ctx context.Context, model string) ([]faq.PhrasingVector, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT entry_id, lang, hash, dim, vector FROM faq_embeddings WHERE model = ?`, model)
	if err != nil {
		return nil, fmt.Errorf("query FAQ vectors: %w", err)
	}
	defer rows.Close()
	var out []faq.PhrasingVector
	for rows.Next() {
		var (
			v    faq.PhrasingVector
			lang string
			dim  int
			blob []byte
		)
		if err := rows.Scan(&v.EntryID, &lang, &v.Hash, &dim, &blob); err != nil {
			return nil, fmt.Errorf("read FAQ vector: %w", err)
		}
		v.Lang = bot.Lang(lang)
		if v.Vector, err = decodeVector(blob, dim); err != nil {
			return nil, fmt.Errorf("vector of %s/%s: %w", v.EntryID, lang, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// SaveFAQVectors stores vectors of model in one transaction, replacing those
// with the same key.
func (db *DB) SaveFAQVectors(ctx context.Context, model string, vs []faq.PhrasingVector) error {
	if len(vs) == 0 {
		return nil
	}
	at := db.stamp(db.now())
	return db.update(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO faq_embeddings (model, entry_id, lang, hash, dim, vector, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (model, entry_id, lang, hash) DO UPDATE SET dim = excluded.dim, vector = excluded.vector, created_at = excluded.created_at`)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		defer stmt.Close()
		for _, v := range vs {
			if len(v.Vector) == 0 {
				return bot.Errorf(bot.EInvalid, "empty vector for %s/%s", v.EntryID, v.Lang)
			}
			if _, err := stmt.ExecContext(ctx, model, v.EntryID, v.Lang, v.Hash, len(v.Vector), encodeVector(v.Vector), at); err != nil {
				return fmt.Errorf("store vector of %s/%s: %w", v.EntryID, v.Lang, err)
			}
		}
		return nil
	})
}

// PruneFAQVectors deletes the vectors of every other model and those of
// model whose key is not in keep, and returns how many rows it deleted.
func (db *DB) PruneFAQVectors(ctx context.Context, model string, keep []faq.PhrasingKey) (int, error) {
	deleted := 0
	err := db.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM faq_embeddings WHERE model <> ?`, model)
		if err != nil {
			return fmt.Errorf("delete vectors of other models: %w", err)
		}
		n, _ := res.RowsAffected()
		deleted += int(n)
		if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS keep_vectors (entry_id TEXT, lang TEXT, hash TEXT, PRIMARY KEY (entry_id, lang, hash)) WITHOUT ROWID`); err != nil {
			return fmt.Errorf("create keep table: %w", err)
		}
		defer tx.ExecContext(ctx, `DELETE FROM keep_vectors`)
		stmt, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO keep_vectors (entry_id, lang, hash) VALUES (?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		defer stmt.Close()
		for _, k := range keep {
			if _, err := stmt.ExecContext(ctx, k.EntryID, k.Lang, k.Hash); err != nil {
				return fmt.Errorf("keep vector: %w", err)
			}
		}
		res, err = tx.ExecContext(ctx, `DELETE FROM faq_embeddings WHERE model = ? AND NOT EXISTS
			(SELECT 1 FROM keep_vectors k WHERE k.entry_id = faq_embeddings.entry_id AND k.lang = faq_embeddings.lang AND k.hash = faq_embeddings.hash)`, model)
		if err != nil {
			return fmt.Errorf("delete old vectors: %w", err)
		}
		n, _ = res.RowsAffected()
		deleted += int(n)
		return nil
	})
	return deleted, err
}

// encodeVector returns v as little-endian float32s.
func encodeVector(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// decodeVector reads a vector of dim float32s.
func decodeVector(b []byte, dim int) ([]float32, error) {
	if dim <= 0 || len(b) != 4*dim {
		return nil, fmt.Errorf("%d bytes for %d dimensions", len(b), dim)
	}
	v := make([]float32, dim)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}
