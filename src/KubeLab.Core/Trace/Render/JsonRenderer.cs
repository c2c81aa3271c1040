using System.Text.Json;
using System.Text.Json.Nodes;
using KubeLab.Core.Netfilter;

namespace KubeLab.Core.Trace.Render;

/// <summary>The trace as JSON with stable camelCase field names (documented by the tests); absent values are left out.</summary>
public static class JsonRenderer
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Render(TraceResult result) => ToJson(result).ToJsonString(Options) + "\n";

    public static JsonObject ToJson(TraceResult result)
    {
        var root = new JsonObject
        {
            ["source"] = result.Source,
            ["sourceKind"] = result.SourceKind.ToString().ToLowerInvariant(),
            ["sourceNode"] = result.SourceNode,
            ["target"] = new JsonObject { ["host"] = result.Host, ["port"] = result.Port, ["protocol"] = result.Protocol },
        };
        if (result.Dns is { } dns)
        {
            root["dns"] = new JsonObject
            {
                ["name"] = dns.Name,
                ["resolver"] = dns.Resolver.ToString().ToLowerInvariant(),
                ["ndots"] = dns.ResolvConf.Ndots,
                ["nameserver"] = dns.Nameserver.ToString(),
                ["candidates"] = new JsonArray([.. dns.Candidates.Select(c => (JsonNode?)c)]),
                ["queries"] = new JsonArray([.. dns.Outcome.Queries.Select(q => (JsonNode?)new JsonObject
                {
                    ["name"] = q.Name,
                    ["type"] = q.Type.ToString(),
                    ["rcode"] = q.Answer.Rcode.ToString().ToUpperInvariant(),
                    ["addresses"] = new JsonArray([.. q.Answer.Addresses.Select(a => (JsonNode?)a.ToString())]),
                })]),
                ["resolved"] = dns.Outcome.Resolved,
                ["addresses"] = new JsonArray([.. dns.Outcome.Addresses.Select(a => (JsonNode?)a.ToString())]),
                ["summary"] = dns.Outcome.Summary,
                ["queryPath"] = Path(dns.QueryPath),
            };
        }

        if (result.Connection is { } connection)
        {
            root["connection"] = Path(connection);
        }

        root["outcomes"] = new JsonArray([.. result.Outcomes.Select(o => (JsonNode?)Outcome(o))]);
        root["notes"] = new JsonArray([.. result.Notes.Select(n => (JsonNode?)n)]);
        return root;
    }

    private static JsonObject Path(TracePath path)
    {
        var json = new JsonObject { ["probability"] = path.Probability };
        if (path.Label is not null)
        {
            json["label"] = path.Label;
        }

        json["hops"] = new JsonArray([.. path.Hops.Select(h => (JsonNode?)Hop(h))]);
        if (path.Branches.Count > 0)
        {
            json["branches"] = new JsonArray([.. path.Branches.Select(b => (JsonNode?)Path(b))]);
        }

        if (path.Outcome is not null)
        {
            json["outcome"] = Outcome(path.Outcome);
        }

        return json;
    }

    private static JsonObject Hop(TraceHop hop)
    {
        var json = new JsonObject { ["kind"] = hop.Kind.ToString().ToLowerInvariant(), ["text"] = hop.Text };
        Add(json, "node", hop.Node);
        Add(json, "hook", hop.Hook);
        Add(json, "table", hop.Table);
        Add(json, "chain", hop.Chain);
        Add(json, "rule", hop.Rule);
        if (hop.Line is { } line)
        {
            json["line"] = line;
        }

        if (hop.BranchProbability is { } p)
        {
            json["branchProbability"] = p;
        }

        if (hop.Before is not null)
        {
            json["before"] = Packet(hop.Before);
        }

        if (hop.After is not null)
        {
            json["after"] = Packet(hop.After);
        }

        return json;
    }

    private static JsonObject Outcome(TraceOutcome outcome)
    {
        var json = new JsonObject
        {
            ["kind"] = outcome.Kind.ToString().ToLowerInvariant(),
            ["probability"] = outcome.Probability,
            ["text"] = outcome.Text,
        };
        Add(json, "node", outcome.Node);
        Add(json, "pod", outcome.Pod);
        Add(json, "address", outcome.Address?.ToString());
        if (outcome.Port != 0)
        {
            json["port"] = outcome.Port;
        }

        Add(json, "clientAddressSeen", outcome.ClientAddressSeen?.ToString());
        json["masqueraded"] = outcome.Masqueraded;
        Add(json, "endpointChain", outcome.EndpointChain);
        Add(json, "verdictRule", outcome.VerdictRule);
        if (outcome.VerdictLine is { } line)
        {
            json["verdictLine"] = line;
        }

        json["reply"] = new JsonArray([.. outcome.Reply.Select(r => (JsonNode?)r)]);
        if (outcome.Assumptions.Count > 0)
        {
            json["assumptions"] = new JsonArray([.. outcome.Assumptions.Select(a => (JsonNode?)a)]);
        }

        return json;
    }

    private static JsonObject Packet(Packet packet)
    {
        var json = new JsonObject
        {
            ["protocol"] = packet.Protocol,
            ["source"] = packet.Source.ToString(),
            ["sourcePort"] = packet.SourcePort,
            ["destination"] = packet.Destination.ToString(),
            ["destinationPort"] = packet.DestinationPort,
            ["mark"] = $"0x{packet.Mark:x}",
        };
        Add(json, "in", packet.InInterface);
        Add(json, "out", packet.OutInterface);
        return json;
    }

    private static void Add(JsonObject json, string name, string? value)
    {
        if (value is not null)
        {
            json[name] = value;
        }
    }
}
