#!/usr/bin/env python3
# The start profile of docs/benchmarks.md section 11: from `perf script` of the kernel's sched_process_exec/exit/fork
# tracepoints recorded around an IsolatedPeersBench run, the bench JVM's descendants only (by fork ancestry), the time
# from each exec in the chain conmon -> unshare -> runtime -> /bin/true, per peer kind and runtime (medians, ms).
#   perf record -a -e sched:sched_process_exec -e sched:sched_process_exit -e sched:sched_process_fork -o T.data -- \
#       java --enable-native-access=ALL-UNNAMED -cp "bench/target/overseer-bench.jar:bench/target/lib/*" \
#       overseer.bench.IsolatedPeersBench --rounds=10 --warmup=2 --png=bench/target/iso-trace.png
#   perf script -i T.data > T.txt && bench/exec-trace.py T.txt
import re, collections, statistics as st, sys
lines=open(sys.argv[1]).read().splitlines()
parent={}; execs=collections.defaultdict(list); exits={}
java=None
for l in lines:
    m=re.match(r'\s*(.+?)\s+(\d+)\s+\[\d+\]\s+([\d.]+): sched:(\w+): (.*)',l)
    if not m: continue
    comm,pid,ts,ev,rest=m.group(1),int(m.group(2)),float(m.group(3))*1000,m.group(4),m.group(5)
    if ev=='sched_process_fork':
        c=int(re.search(r'child_pid=(\d+)',rest).group(1)); parent[c]=pid
    elif ev=='sched_process_exec':
        f=re.search(r'filename=(\S+)',rest).group(1); p=int(re.search(r' pid=(\d+)',rest).group(1))
        execs[p].append((ts,f))
        if java is None and f.endswith('/bin/java'): java=p
    elif ev=='sched_process_exit':
        exits[pid]=ts
def anc(p):
    out=[]
    while p in parent: p=parent[p]; out.append(p)
    return out
def desc_of_java(p): return java in anc(p) or p==java
res=collections.defaultdict(lambda: collections.defaultdict(list))
for p,ex in execs.items():
    for ts,f in ex:
        if f!='/bin/true' or not desc_of_java(p): continue
        chain=[p]+anc(p)
        # runtime process: nearest ancestor with crun/runc exec
        rt=next((a for a in chain[1:] if any(x[1] in('/usr/bin/crun','/usr/sbin/runc') for x in execs.get(a,[]))),None)
        if rt is None:
            continue
        rname='crun' if any(x[1]=='/usr/bin/crun' for x in execs[rt]) else 'runc'
        t_rt=[x[0] for x in execs[rt] if x[1] in('/usr/bin/crun','/usr/sbin/runc')][0]
        t_first=execs[rt][0][0]
        con=next((a for a in chain if any(x[1]=='/usr/bin/conmon' for x in execs.get(a,[]))),None)
        pod=next((a for a in chain if any(x[1]=='/usr/bin/podman' for x in execs.get(a,[]))),None)
        shim=next((a for a in chain if any('containerd-shim' in x[1] for x in execs.get(a,[]))),None)
        if pod: kind='podman'
        elif shim: kind='ctr'
        elif con: kind='overseer'
        else: kind='bare'
        key=kind+' '+rname
        r=res[key]
        if con and kind=='overseer':
            t_con=[x[0] for x in execs[con] if x[1]=='/usr/bin/conmon'][0]
            r['conmon exec -> runtime chain exec (unshare)'].append(t_first-t_con)
        if kind=='bare':
            r['jspawnhelper exec -> unshare exec'].append([x[0] for x in execs[rt] if 'unshare' in x[1]][0]-t_first)
        r['unshare exec -> runtime exec'].append(t_rt-[x[0] for x in execs[rt] if 'unshare' in x[1]][0] if any('unshare' in x[1] for x in execs[rt]) else float('nan'))
        r['runtime exec -> /bin/true exec'].append(ts-t_rt)
        if p in exits: r['/bin/true exec -> exit'].append(exits[p]-ts)
        if rt in exits: r['runtime exec -> runtime exit'].append(exits[rt]-t_rt)
for k in sorted(res):
    print(k)
    for m,v in res[k].items():
        v=[x for x in v if x==x]
        if v: print('   %-45s n=%2d median %6.1f ms  [%s]'%(m,len(v),st.median(v),' '.join('%.0f'%x for x in sorted(v))))
