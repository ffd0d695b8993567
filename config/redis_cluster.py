"""django-redis on a Redis Cluster: a connection factory that returns redis-py's ``RedisCluster``.

django-redis builds plain ``Redis`` clients on a connection pool; a cluster client routes each
command to the node owning its slot instead, so it is built from the URL of any one node.
"""

from django_redis.pool import ConnectionFactory
from redis.cluster import RedisCluster

# One cluster client per URL and process, as django-redis keeps one connection pool per URL.
_clusters: dict[str, RedisCluster] = {}


class ClusterConnectionFactory(ConnectionFactory):
    """``CONNECTION_FACTORY`` for ``CACHES``: a ``RedisCluster`` client for the configured URL."""

    def connect(self, url: str) -> RedisCluster:
        if url not in _clusters:
            params = self.make_connection_params(url)
            _clusters[url] = RedisCluster.from_url(
                url,
                socket_timeout=params.get("socket_timeout"),
                socket_connect_timeout=params.get("socket_connect_timeout"),
            )
        return _clusters[url]

    def disconnect(self, connection: RedisCluster) -> None:
        for url, client in list(_clusters.items()):
            if client is connection:
                del _clusters[url]
        connection.close()
