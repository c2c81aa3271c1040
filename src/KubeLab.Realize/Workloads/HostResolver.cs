using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net.Dns;
using KubeLab.Core.Dns;
using CoreQuestion = KubeLab.Core.Dns.DnsQuestion;

namespace KubeLab.Realize.Workloads;

/// <summary>
/// This machine's resolver, for `up --upstream-dns` only: the first nameserver of /etc/resolv.conf, asked over UDP from
/// a socket made by the calling thread in this process's own network namespace (the lab agent's threads outside
/// <see cref="Netns.NetnsThread"/> never enter a lab namespace). Tests never turn it on.
/// </summary>
public static class HostResolver
{
    /// <summary>The first <c>nameserver</c> of a resolv.conf text, port 53; null without one.</summary>
    public static IPEndPoint? FromResolvConf(string text) =>
        text.Split('\n').Select(l => l.Trim().Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            .Where(w => w is ["nameserver", _, ..] && IPAddress.TryParse(w[1], out _))
            .Select(w => new IPEndPoint(IPAddress.Parse(w[1]), 53)).FirstOrDefault();

    public static IPEndPoint? FromSystem() =>
        File.Exists("/etc/resolv.conf") ? FromResolvConf(File.ReadAllText("/etc/resolv.conf")) : null;

    public static async Task<DnsAnswerSet?> AskAsync(IPEndPoint resolver, CoreQuestion question, TimeSpan timeout, WorkloadLog log, string source)
    {
        try
        {
            using var socket = new Socket(resolver.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            var id = (ushort)Random.Shared.Next(ushort.MaxValue + 1);
            await socket.SendToAsync(DnsWire.EncodeQuery(id, question), SocketFlags.None, resolver).ConfigureAwait(false);
            using var cancel = new CancellationTokenSource(timeout);
            var buffer = new byte[4096];
            while (true)
            {
                var received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), cancel.Token).ConfigureAwait(false);
                var message = DnsMessage.Parse(new ArraySegment<byte>(buffer, 0, received.ReceivedBytes));
                if (message.TransactionID != id)
                {
                    continue;
                }

                return new DnsAnswerSet
                {
                    Question = question,
                    Rcode = (DnsRcode)(int)message.ReturnCode,
                    RecursionAvailable = message.IsRecursionAllowed,
                    Answer = message.AnswerRecords.Select(DnsWire.FromRecord).OfType<DnsRecord>().ToList(),
                    Authority = message.AuthorityRecords.Select(DnsWire.FromRecord).OfType<DnsRecord>().ToList(),
                    Responder = DnsResponder.Forward,
                };
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException)
        {
            log.Write(source, $"this machine's resolver {resolver} did not answer {question}: {e.Message}");
            return null;
        }
    }
}
