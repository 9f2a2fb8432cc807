#!/usr/bin/env bash
# The queue's cost against the local study: the same tiny sweep (6 runs, then 48) trained locally on one
# worker thread and through a private Redis by one `heavyball worker --threads 1`, two rounds, wall time of
# the whole command (each in a fresh folder, so nothing is reused).
# Needs `npm run build` and /usr/bin/redis-server. Usage: bench/queue-overhead.sh
set -u
cd "$(dirname "$0")/.."
CLI=dist/cli.js
D=$(mktemp -d)
PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
/usr/bin/redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$D" > "$D/redis.log" 2>&1 &
REDIS=$!
sleep 0.5
ARGS="--limit 800 --validation-size 200 --train-size 600 --epochs 1 --batch-size 10 --eval-every 10 --layers 784,64,10 --momenta 0,0.5,0.9 --lr 0.1 --target-accuracy 0.5"
node $CLI worker --queue "redis://127.0.0.1:$PORT" --threads 1 > "$D/worker.log" 2>&1 &
WORKER=$!
seconds() { local s e; s=$(date +%s.%N); "$@" > /dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }
for round in 1 2; do
  for seeds in 1,2 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16; do
    runs=$(( 3 * ($(tr -cd , <<< "$seeds" | wc -c) + 1) ))
    echo "round $round, $runs runs: local $(seconds node $CLI sweep $ARGS --seeds $seeds --workers 1 --out "$D/local-$round-$runs") s," \
      "queue $(seconds node $CLI sweep $ARGS --seeds $seeds --queue "redis://127.0.0.1:$PORT" --out "$D/queue-$round-$runs") s"
  done
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
kill -INT $WORKER; wait $WORKER
kill $REDIS; wait $REDIS
rm -rf "$D"
