package redisstore

import "context"

// Persistent reports whether Redis keeps its keys on disk (a save schedule
// or the append-only file), so that they survive a restart of Redis. It
// returns an error where Redis refuses CONFIG GET, as managed services
// often do; the answer is then unknown.
func (r *Store) Persistent(ctx context.Context) (bool, error) {
	save, err := r.client.ConfigGet(ctx, "save").Result()
	if err != nil {
		return false, err
	}
	aof, err := r.client.ConfigGet(ctx, "appendonly").Result()
	if err != nil {
		return false, err
	}
	return save["save"] != "" || aof["appendonly"] == "yes", nil
}
