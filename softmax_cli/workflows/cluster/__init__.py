"""Work spread over shards: in this process one shard after another, or on a Dask cluster."""
