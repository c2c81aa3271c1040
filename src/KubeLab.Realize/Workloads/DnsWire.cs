using System.Buffers.Binary;
using System.Net;
using System.Text;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using KubeLab.Core.Dns;
using CoreQuestion = KubeLab.Core.Dns.DnsQuestion;

namespace KubeLab.Realize.Workloads;

/// <summary>Converts KubeLab's library-free answers to and from ARSoft.Tools.Net's wire messages.</summary>
internal static class DnsWire
{
    public static DnsMessage ToResponse(DnsMessage query, DnsAnswerSet answer, bool recursionAvailable, bool echoCookie = false)
    {
        var response = query.CreateResponseInstance();
        if (echoCookie && query.IsEDnsEnabled && query.EDnsOptions is { } requestOpt && response.EDnsOptions is { } responseOpt)
        {
            // CoreDNS (request.Request.SizeAndDo) reuses the query's OPT record for the reply: version 0, the client's
            // UDP size, and of its options only the supported ones (edns.SupportedOption: NSID, EXPIRE, COOKIE,
            // TCP-KEEPALIVE, PADDING), unchanged. So the client cookie comes back as it was sent, with no server cookie.
            responseOpt.Options.AddRange(requestOpt.Options.OfType<CookieOption>());
        }

        response.ReturnCode = (ReturnCode)(int)answer.Rcode;
        response.IsAuthoritiveAnswer = answer.Authoritative;
        response.IsRecursionAllowed = recursionAvailable || answer.RecursionAvailable;
        response.AnswerRecords.AddRange(answer.Answer.Select(ToRecord).OfType<DnsRecordBase>());
        response.AuthorityRecords.AddRange(answer.Authority.Select(ToRecord).OfType<DnsRecordBase>());
        response.AdditionalRecords.AddRange(answer.Additional.Select(ToRecord).OfType<DnsRecordBase>());
        return response;
    }

    public static DnsRecordBase? ToRecord(DnsRecord record)
    {
        var name = DomainName.Parse(record.Name);
        var ttl = (int)Math.Min(record.Ttl, int.MaxValue);
        return (record.Type, record.Data) switch
        {
            (Core.Dns.DnsRecordType.A, AddressRdata a) => new ARecord(name, ttl, a.Address),
            (Core.Dns.DnsRecordType.AAAA, AddressRdata a) => new AaaaRecord(name, ttl, a.Address),
            (Core.Dns.DnsRecordType.CNAME, NameRdata n) => new CNameRecord(name, ttl, DomainName.Parse(n.Target)),
            (Core.Dns.DnsRecordType.PTR, NameRdata n) => new PtrRecord(name, ttl, DomainName.Parse(n.Target)),
            (Core.Dns.DnsRecordType.NS, NameRdata n) => new NsRecord(name, ttl, DomainName.Parse(n.Target)),
            (Core.Dns.DnsRecordType.SRV, SrvRdata s) => new SrvRecord(name, ttl, s.Priority, s.Weight, s.Port, DomainName.Parse(s.Target)),
            (Core.Dns.DnsRecordType.SOA, SoaRdata s) => new SoaRecord(name, ttl, DomainName.Parse(s.MName), DomainName.Parse(s.RName),
                s.Serial, (int)s.Refresh, (int)s.Retry, (int)s.Expire, (int)s.Minimum),
            (Core.Dns.DnsRecordType.TXT, TxtRdata t) => new TxtRecord(name, ttl, t.Text),
            _ => null,
        };
    }

    public static DnsRecord? FromRecord(DnsRecordBase record)
    {
        var name = record.Name.ToString();
        var ttl = (uint)Math.Max(0, record.TimeToLive);
        return record switch
        {
            ARecord a => new DnsRecord(name, Core.Dns.DnsRecordType.A, ttl, new AddressRdata(a.Address)),
            AaaaRecord a => new DnsRecord(name, Core.Dns.DnsRecordType.AAAA, ttl, new AddressRdata(a.Address)),
            CNameRecord c => new DnsRecord(name, Core.Dns.DnsRecordType.CNAME, ttl, new NameRdata(c.CanonicalName.ToString())),
            PtrRecord p => new DnsRecord(name, Core.Dns.DnsRecordType.PTR, ttl, new NameRdata(p.PointerDomainName.ToString())),
            NsRecord n => new DnsRecord(name, Core.Dns.DnsRecordType.NS, ttl, new NameRdata(n.NameServer.ToString())),
            SrvRecord s => new DnsRecord(name, Core.Dns.DnsRecordType.SRV, ttl, new SrvRdata(s.Priority, s.Weight, s.Port, s.Target.ToString())),
            SoaRecord s => new DnsRecord(name, Core.Dns.DnsRecordType.SOA, ttl, new SoaRdata(s.MasterName.ToString(), s.ResponsibleName.ToString(),
                s.SerialNumber, (uint)s.RefreshInterval, (uint)s.RetryInterval, (uint)s.ExpireInterval, (uint)s.NegativeCachingTTL)),
            _ => null,
        };
    }

    public static CoreQuestion ToQuestion(ARSoft.Tools.Net.Dns.DnsQuestion question) =>
        new(question.Name.ToString(), (Core.Dns.DnsRecordType)(ushort)question.RecordType);

    /// <summary>A standard query (RD set, class IN, no EDNS) as bytes, for asking an upstream server.</summary>
    public static byte[] EncodeQuery(ushort id, CoreQuestion question)
    {
        var buffer = new List<byte>(64);
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header, id);
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], 0x0100); // RD
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], 1);
        buffer.AddRange(header.ToArray());
        foreach (var label in question.Fqdn.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var bytes = Encoding.ASCII.GetBytes(label);
            if (bytes.Length > 63)
            {
                throw new ArgumentException($"DNS label longer than 63 octets in {question.Fqdn}", nameof(question));
            }

            buffer.Add((byte)bytes.Length);
            buffer.AddRange(bytes);
        }

        buffer.Add(0);
        buffer.Add((byte)((ushort)question.Type >> 8));
        buffer.Add((byte)((ushort)question.Type & 0xff));
        buffer.Add(0);
        buffer.Add(1); // IN
        return buffer.ToArray();
    }

    public static string Describe(EndPoint? remote, TransportProtocol transport, CoreQuestion question, DnsAnswerSet answer) =>
        $"{remote} {transport.ToString().ToLowerInvariant()} {question} → {answer.Rcode.ToString().ToUpperInvariant()} "
        + $"{answer.Answer.Count} answer(s) ({answer.Responder})"
        + (answer.Answer.Count > 0 ? ": " + string.Join(", ", answer.Answer.Select(r => $"{r.Type} {r.Data}")) : "");
}
