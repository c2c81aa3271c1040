namespace KubeLab.Core.Dns;

/// <summary>
/// CoreDNS's <c>cache 30</c> (coredns/coredns@v1.10.1 plugin/cache): a response is stored with the TTL the client saw
/// on the miss (<see cref="CoreDnsZone.ApplyCacheTtl"/>: the smallest TTL clamped to [5, 30]) and the time it was stored;
/// a hit within that TTL is the stored response with every TTL counted down by the whole seconds since
/// (item.ttl: origTTL − ⌊now − stored⌋); at 0 the entry has expired and the next query is a miss. Entries are keyed by
/// the question's lower-cased name and type. Positive and negative (NXDOMAIN, NODATA with an SOA) answers are cached;
/// SERVFAIL and empty answers without an SOA are not. The cache does not watch the cluster: a change is seen once the
/// entry expires, as with CoreDNS. The clock is the caller's.
/// </summary>
public sealed class CoreDnsCache
{
    private readonly Dictionary<(string Name, DnsRecordType Type), (DnsAnswerSet Answer, DateTimeOffset Stored, uint Ttl)> entries = [];
    private readonly Lock gate = new();

    /// <summary>The answer for <paramref name="question"/> at <paramref name="now"/>: a cache hit, else <paramref name="miss"/>'s answer, stored.</summary>
    public DnsAnswerSet Answer(DnsQuestion question, DateTimeOffset now, Func<DnsAnswerSet> miss)
    {
        var hit = Lookup(question, now);
        if (hit is not null)
        {
            return hit;
        }

        var answer = miss();
        Store(answer, now);
        return answer;
    }

    /// <summary>The cached answer with its TTLs counted down, or null when there is none or it has expired.</summary>
    public DnsAnswerSet? Lookup(DnsQuestion question, DateTimeOffset now)
    {
        lock (gate)
        {
            if (!entries.TryGetValue(Key(question), out var entry))
            {
                return null;
            }

            var left = (long)entry.Ttl - (long)Math.Floor((now - entry.Stored).TotalSeconds);
            if (left <= 0)
            {
                entries.Remove(Key(question));
                return null;
            }

            var ttl = (uint)left;
            var cached = entry.Answer;
            return cached with
            {
                // the answer echoes the case of this query's name, as CoreDNS's toMsg does
                Question = question,
                Answer = cached.Answer.Select(r => r.WithTtl(ttl)).ToList(),
                Authority = cached.Authority.Select(r => r.WithTtl(ttl)).ToList(),
                Additional = cached.Additional.Select(r => r.WithTtl(ttl)).ToList(),
            };
        }
    }

    /// <summary>Stores a response as the client saw it on a miss (TTLs already clamped).</summary>
    public void Store(DnsAnswerSet answer, DateTimeOffset now)
    {
        if (answer.Rcode is not (DnsRcode.NoError or DnsRcode.NxDomain))
        {
            return;
        }

        var records = answer.Answer.Concat(answer.Authority).Concat(answer.Additional).ToList();
        if (records.Count == 0)
        {
            return;
        }

        var ttl = records.Min(r => r.Ttl);
        if (ttl == 0)
        {
            return;
        }

        lock (gate)
        {
            entries[Key(answer.Question)] = (answer, now, ttl);
        }
    }

    private static (string, DnsRecordType) Key(DnsQuestion question) => (question.Fqdn.ToLowerInvariant(), question.Type);
}
