using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeLab.FakeMultipass;

/// <summary>
/// A stand-in for the `multipass` client, for tests on machines where multipass cannot run. It follows the real
/// CLI (launch -n/-c/-m/-d --cloud-init --timeout IMAGE, info/list --format json, exec NAME -- CMD, transfer,
/// delete [--purge], purge, version): its exit codes (1 command failed, 2 bad arguments, 5 timeout) and JSON
/// with the real types (cpu_count a string, memory.total a number, ipv4 a list). VMs get loopback addresses
/// (127.0.94.N) only. Behaviour is set by environment variables:
///   FAKE_MULTIPASS_HOME            state folder (required): vms/*.json, log.jsonl
///   FAKE_MULTIPASS_LAUNCH_MS       how long a launch takes (default 300)
///   FAKE_MULTIPASS_LAUNCH_TIMEOUT  VMs whose launch exits 5 (they finish booting FAKE_MULTIPASS_BOOT_MS later)
///   FAKE_MULTIPASS_BOOT_MS         extra boot time of those VMs (default 500)
///   FAKE_MULTIPASS_LATE_IP         "vm3=1500,...": ms after Running until the VM has an IPv4
///   FAKE_MULTIPASS_READY_MS        ms after k3s is installed until the node is Ready (default 200)
///   FAKE_MULTIPASS_NEVER_READY     nodes that stay NotReady
///   FAKE_MULTIPASS_NODE_STATE      folder with &lt;vm&gt;.iptables-save, &lt;vm&gt;.ip-route, ... answered by exec
/// </summary>
public static class Program
{
    private const int CommandFail = 1;
    private const int CommandLineError = 2;
    private const int Timeout = 5;
    private static readonly string[] KnownImages = ["jammy", "22.04", "noble", "24.04", "focal", "20.04", "lts"];

    private static string Home => Environment.GetEnvironmentVariable("FAKE_MULTIPASS_HOME")
        ?? throw new InvalidOperationException("FAKE_MULTIPASS_HOME is not set");

    public static int Main(string[] args)
    {
        Directory.CreateDirectory(Path.Combine(Home, "vms"));
        Log(new JsonObject { ["argv"] = new JsonArray([.. args.Select(a => JsonValue.Create(a))]) });
        if (args.Length == 0)
        {
            return Usage("Usage: multipass [options] <command>");
        }

        return args[0] switch
        {
            "version" => Version(),
            "launch" => Launch(args[1..]),
            "info" => Info(args[1..]),
            "list" or "ls" => List(),
            "exec" => Exec(args[1..]),
            "transfer" => Transfer(args[1..]),
            "delete" => Delete(args[1..]),
            "purge" => Purge(),
            _ => Usage($"Unknown command: '{args[0]}'."),
        };
    }

    private static int Usage(string message)
    {
        Console.Error.WriteLine(message);
        return CommandLineError;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return CommandFail;
    }

    private static int Version()
    {
        Console.Out.Write("multipass   1.14.1\nmultipassd  1.14.1\n");
        return 0;
    }

    private static int Launch(string[] args)
    {
        string? name = null, memory = "1G", disk = "5G", cloudInit = null, image = "lts";
        var cpus = "1";
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"Missing value for option '{args[i]}'.");
            switch (args[i])
            {
                case "-n" or "--name": name = Next(); break;
                case "-c" or "--cpus": cpus = Next(); break;
                case "-m" or "--memory": memory = Next(); break;
                case "--mem":
                    Console.Error.WriteLine("Warning: the \"--mem\" long option is deprecated in favour of \"--memory\". Please update any scripts, etc.");
                    memory = Next();
                    break;
                case "-d" or "--disk": disk = Next(); break;
                case "--cloud-init": cloudInit = Next(); break;
                case "--timeout": Next(); break;
                default:
                    if (args[i].StartsWith('-'))
                    {
                        return Usage($"Unknown option '{args[i]}'.");
                    }

                    image = args[i];
                    break;
            }
        }

        if (cloudInit is not null && !File.Exists(cloudInit))
        {
            return Usage($"error: No such file: {cloudInit}");
        }

        if (Size(memory) is not { } mem || mem < 128L << 20)
        {
            return Fail($"launch failed: Invalid memory size value supplied: {memory}.");
        }

        if (Size(disk) is not { } size || size < 512L << 20)
        {
            return Fail($"launch failed: Invalid disk size value supplied: {disk}.");
        }

        if (!KnownImages.Contains(image))
        {
            return Fail($"launch failed: Unable to find an image matching \"{image}\"");
        }

        name ??= "primary";
        var launchMs = Number("FAKE_MULTIPASS_LAUNCH_MS", 300);
        var timesOut = Names("FAKE_MULTIPASS_LAUNCH_TIMEOUT").Contains(name);
        var failed = WithState(() =>
        {
            if (File.Exists(VmPath(name)))
            {
                return $"launch failed: instance \"{name}\" already exists";
            }

            var counter = Path.Combine(Home, "next-address");
            var index = File.Exists(counter) ? int.Parse(File.ReadAllText(counter), CultureInfo.InvariantCulture) : 1;
            File.WriteAllText(counter, (index + 1).ToString(CultureInfo.InvariantCulture));
            var now = Now();
            var running = now + launchMs + (timesOut ? Number("FAKE_MULTIPASS_BOOT_MS", 500) : 0);
            var vm = new JsonObject
            {
                ["name"] = name,
                ["cpus"] = cpus,
                ["memory"] = mem,
                ["disk"] = size,
                ["image"] = image,
                ["address"] = $"127.0.94.{index}", // loopback only: tests never reach a real network
                ["runningAt"] = running,
                ["addressAt"] = running + LateIp(name),
                ["cloudInit"] = cloudInit is null ? null : File.ReadAllText(cloudInit),
                ["files"] = new JsonObject(),
            };
            Save(vm);
            return null;
        });
        if (failed is not null)
        {
            return Fail(failed);
        }

        Thread.Sleep(TimeSpan.FromMilliseconds(launchMs)); // the simulated boot
        Log(new JsonObject { ["event"] = "launched", ["name"] = name });
        if (timesOut)
        {
            Console.Error.WriteLine("Timed out waiting for instance launch.");
            return Timeout;
        }

        Console.Out.WriteLine($"Launched: {name}");
        return 0;
    }

    private static int Info(string[] args)
    {
        var names = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal) && a != "json").ToList();
        if (!args.Contains("--format") || !args.Contains("json"))
        {
            return Usage("this stand-in prints only `--format json`");
        }

        var missing = names.Where(n => Load(n) is null).ToList();
        if (missing.Count > 0)
        {
            return Fail($"info failed: The following errors occurred:\n{string.Join('\n', missing.Select(n => $"instance \"{n}\" does not exist"))}");
        }

        var info = new JsonObject();
        foreach (var name in names)
        {
            var vm = Load(name)!;
            var (state, ipv4) = Status(vm);
            info[name] = new JsonObject
            {
                ["cpu_count"] = (string)vm["cpus"]!,
                ["disks"] = new JsonObject { ["sda1"] = new JsonObject { ["total"] = ((long)vm["disk"]!).ToString(CultureInfo.InvariantCulture), ["used"] = "1547599872" } },
                ["image_hash"] = "345fbbb6ec827ca02ec1a1ced90f7d40d3fd345811ba97c5772ac40e951458e1",
                ["image_release"] = "22.04 LTS",
                ["ipv4"] = new JsonArray([.. ipv4.Select(a => JsonValue.Create(a))]),
                ["load"] = state == "Running" ? new JsonArray(0.02, 0.17, 0.09) : new JsonArray(),
                ["memory"] = new JsonObject { ["total"] = (long)vm["memory"]!, ["used"] = 193384448 },
                ["mounts"] = new JsonObject(),
                ["release"] = state == "Running" ? "Ubuntu 22.04.4 LTS" : "",
                ["snapshot_count"] = "0",
                ["state"] = state,
            };
        }

        Console.Out.WriteLine(new JsonObject { ["errors"] = new JsonArray(), ["info"] = info }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    private static int List()
    {
        var list = new JsonArray();
        foreach (var vm in All())
        {
            var (state, ipv4) = Status(vm);
            list.Add(new JsonObject
            {
                ["ipv4"] = new JsonArray([.. ipv4.Select(a => JsonValue.Create(a))]),
                ["name"] = (string)vm["name"]!,
                ["release"] = state == "Running" ? "Ubuntu 22.04 LTS" : "Not Available",
                ["state"] = state,
            });
        }

        Console.Out.WriteLine(new JsonObject { ["list"] = list }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    /// <summary>The few commands KubeLab sends into a VM.</summary>
    private static int Exec(string[] args)
    {
        var dash = Array.IndexOf(args, "--");
        if (args.Length < 3 || dash != 1)
        {
            return Usage("Usage: multipass exec <name> -- <command>");
        }

        var name = args[0];
        var vm = Load(name);
        if (vm is null)
        {
            return Fail($"exec failed: instance \"{name}\" does not exist");
        }

        if (Status(vm).State != "Running")
        {
            return Fail($"exec failed: instance \"{name}\" is not running");
        }

        var line = string.Join(' ', args[2..]);
        if (line.Contains("cat > /etc/rancher/k3s/kubelab-token", StringComparison.Ordinal))
        {
            var secret = Console.In.ReadToEnd();
            WithState(() =>
            {
                var current = Load(name)!;
                current["files"]!["/etc/rancher/k3s/kubelab-token"] = secret;
                Save(current);
                return null;
            });
            return 0;
        }

        if (line.Contains("get.k3s.io", StringComparison.Ordinal))
        {
            return InstallK3s(name, line);
        }

        if (line.Contains("k3s kubectl get nodes -o json", StringComparison.Ordinal))
        {
            return Nodes(vm);
        }

        if (line == "sudo cat /etc/rancher/k3s/k3s.yaml")
        {
            if ((string?)vm["k3s"]?["role"] != "server")
            {
                return Fail("cat: /etc/rancher/k3s/k3s.yaml: No such file or directory");
            }

            Console.Out.Write(K3sYaml);
            return 0;
        }

        if (line == "cat /etc/kubelab-lab")
        {
            var marker = Marker((string?)vm["cloudInit"]);
            if (marker is null)
            {
                return Fail("cat: /etc/kubelab-lab: No such file or directory");
            }

            Console.Out.WriteLine(marker);
            return 0;
        }

        var state = line switch
        {
            "sudo iptables-save" => "iptables-save",
            "ip route show" => "ip-route",
            "ip neigh show" => "ip-neigh",
            "bridge fdb show" => "bridge-fdb",
            _ => null,
        };
        if (state is not null)
        {
            var folder = Environment.GetEnvironmentVariable("FAKE_MULTIPASS_NODE_STATE");
            var file = folder is null ? null : Path.Combine(folder, $"{name}.{state}");
            Console.Out.Write(file is not null && File.Exists(file) ? File.ReadAllText(file) : "");
            return 0;
        }

        Console.Error.WriteLine($"sh: 1: {args[2]}: not found (the stand-in does not know `{line}`)");
        return 127;
    }

    private static int InstallK3s(string name, string line)
    {
        string? Variable(string key) =>
            line.Split(' ').FirstOrDefault(w => w.StartsWith(key + "=", StringComparison.Ordinal))?[(key.Length + 1)..];
        var version = Variable("INSTALL_K3S_VERSION") ?? "stable";
        var url = Variable("K3S_URL");
        // k3s registers the node under K3S_NODE_NAME (--node-name) when set, else the hostname (multipass: the instance name).
        var nodeName = Variable("K3S_NODE_NAME") ?? name;
        var error = WithState(() =>
        {
            var vm = Load(name)!;
            var token = (string?)vm["files"]?["/etc/rancher/k3s/kubelab-token"];
            if (Variable("K3S_TOKEN_FILE") is null || token is null)
            {
                return "[ERROR]  no token: K3S_TOKEN_FILE does not name a file";
            }

            var index = All().Count(v => v["k3s"] is not null);
            if (url is null)
            {
                vm["k3s"] = new JsonObject { ["role"] = "server", ["version"] = version, ["installedAt"] = Now(), ["index"] = index, ["node"] = nodeName };
            }
            else
            {
                var host = new Uri(url).Host;
                var server = All().FirstOrDefault(v => (string?)v["address"] == host && (string?)v["k3s"]?["role"] == "server");
                if (server is null)
                {
                    return $"[ERROR]  cannot reach the server at {url}";
                }

                if ((string?)server["files"]?["/etc/rancher/k3s/kubelab-token"] != token)
                {
                    return "[ERROR]  the agent's token does not match the server's";
                }

                vm["k3s"] = new JsonObject { ["role"] = "agent", ["version"] = version, ["installedAt"] = Now(), ["index"] = index, ["server"] = (string)server["name"]!, ["node"] = nodeName };
            }

            Save(vm);
            return null;
        });
        if (error is not null)
        {
            return Fail(error);
        }

        Console.Out.Write($"[INFO]  Using {version} as release\n[INFO]  systemd: Starting k3s{(url is null ? "" : "-agent")}\n");
        return 0;
    }

    private static int Nodes(JsonObject server)
    {
        if ((string?)server["k3s"]?["role"] != "server")
        {
            return Fail("sudo: k3s: command not found");
        }

        var never = Names("FAKE_MULTIPASS_NEVER_READY");
        var readyMs = Number("FAKE_MULTIPASS_READY_MS", 200);
        var items = new JsonArray();
        foreach (var vm in All().Where(v => v["k3s"] is not null && ((string?)v["k3s"]!["role"] == "server" ? v["name"]!.ToString() == server["name"]!.ToString() : (string?)v["k3s"]!["server"] == server["name"]!.ToString())))
        {
            var name = (string?)vm["k3s"]!["node"] ?? (string)vm["name"]!;
            var ready = !never.Contains(name) && Now() >= (long)vm["k3s"]!["installedAt"]! + readyMs;
            var index = (int)vm["k3s"]!["index"]!;
            items.Add(new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Node",
                ["metadata"] = new JsonObject { ["name"] = name },
                ["spec"] = new JsonObject { ["podCIDR"] = $"10.42.{index}.0/24" },
                ["status"] = new JsonObject
                {
                    ["addresses"] = new JsonArray(new JsonObject { ["type"] = "InternalIP", ["address"] = (string)vm["address"]! }),
                    ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False", ["reason"] = ready ? "KubeletReady" : "KubeletNotReady" }),
                },
            });
        }

        Console.Out.WriteLine(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "List", ["items"] = items }.ToJsonString());
        return 0;
    }

    private static int Transfer(string[] args)
    {
        if (args.Length != 2 || !args[1].Contains(':', StringComparison.Ordinal))
        {
            return Usage("Usage: multipass transfer <source> <instance>:<destination>");
        }

        var name = args[1].Split(':')[0];
        var destination = args[1][(name.Length + 1)..];
        return WithState(() =>
        {
            var vm = Load(name);
            if (vm is null)
            {
                return $"transfer failed: instance \"{name}\" does not exist";
            }

            vm["files"]![destination] = File.ReadAllText(args[0]);
            Save(vm);
            return null;
        }) is { } error ? Fail(error) : 0;
    }

    private static int Delete(string[] args)
    {
        var purge = args.Contains("--purge") || args.Contains("-p");
        var names = args.Where(a => !a.StartsWith('-')).ToList();
        return WithState(() =>
        {
            var missing = names.Where(n => Load(n) is null).ToList();
            if (missing.Count > 0)
            {
                return $"delete failed: The following errors occurred:\n{string.Join('\n', missing.Select(n => $"instance \"{n}\" does not exist"))}";
            }

            foreach (var name in names)
            {
                if (purge)
                {
                    File.Delete(VmPath(name));
                }
                else
                {
                    var vm = Load(name)!;
                    vm["deleted"] = true;
                    Save(vm);
                }
            }

            return null;
        }) is { } error ? Fail(error) : 0;
    }

    private static int Purge()
    {
        WithState(() =>
        {
            foreach (var vm in All().Where(v => (bool?)v["deleted"] == true))
            {
                File.Delete(VmPath((string)vm["name"]!));
            }

            return null;
        });
        return 0;
    }

    private static (string State, IReadOnlyList<string> IPv4) Status(JsonObject vm)
    {
        if ((bool?)vm["deleted"] == true)
        {
            return ("Deleted", []);
        }

        var now = Now();
        if (now < (long)vm["runningAt"]!)
        {
            return ("Starting", []);
        }

        if (now < (long)vm["addressAt"]!)
        {
            return ("Running", []);
        }

        var addresses = new List<string> { (string)vm["address"]! };
        if (vm["k3s"]?["index"] is { } index)
        {
            // flannel.1 and cni0 join the list once k3s runs (the seed's `multipass list`); names only, never dialled.
            addresses.Add($"10.42.{(int)index}.0");
            addresses.Add($"10.42.{(int)index}.1");
        }

        return ("Running", addresses);
    }

    private static string? Marker(string? cloudInit)
    {
        if (cloudInit is null)
        {
            return null;
        }

        var lines = cloudInit.Split('\n');
        var at = Array.FindIndex(lines, l => l.Trim() == "- path: /etc/kubelab-lab");
        if (at < 0)
        {
            return null;
        }

        var content = Array.FindIndex(lines, at, l => l.Trim().StartsWith("content:", StringComparison.Ordinal));
        return content >= 0 && content + 1 < lines.Length ? lines[content + 1].Trim() : null;
    }

    private static long LateIp(string name) =>
        (Environment.GetEnvironmentVariable("FAKE_MULTIPASS_LATE_IP") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('='))
            .Where(p => p.Length == 2 && p[0] == name)
            .Select(p => long.Parse(p[1], CultureInfo.InvariantCulture))
            .FirstOrDefault();

    private static HashSet<string> Names(string variable) =>
        [.. (Environment.GetEnvironmentVariable(variable) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static long Number(string variable, long fallback) =>
        long.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    private static long? Size(string text)
    {
        var match = System.Text.RegularExpressions.Regex.Match(text, @"^(\d+(?:\.\d+)?)([KMG])?(?:i?B)?$", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        if (!match.Success)
        {
            return null;
        }

        var unit = match.Groups[2].Value.ToUpperInvariant() switch { "K" => 1L << 10, "M" => 1L << 20, "G" => 1L << 30, _ => 1L };
        return (long)(decimal.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) * unit);
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static string VmPath(string name) => Path.Combine(Home, "vms", name + ".json");

    private static JsonObject? Load(string name) =>
        File.Exists(VmPath(name)) ? JsonNode.Parse(File.ReadAllText(VmPath(name)))!.AsObject() : null;

    private static List<JsonObject> All() =>
        [.. Directory.GetFiles(Path.Combine(Home, "vms"), "*.json").Order(StringComparer.Ordinal).Select(f => JsonNode.Parse(File.ReadAllText(f))!.AsObject())];

    private static void Save(JsonObject vm)
    {
        var path = VmPath((string)vm["name"]!);
        File.WriteAllText(path + ".tmp", vm.ToJsonString());
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>Runs a change of the VMs under one lock (parallel invocations are the point of the tests).</summary>
    private static string? WithState(Func<string?> change)
    {
        using var _ = Lock();
        return change();
    }

    private static FileStream Lock()
    {
        var path = Path.Combine(Home, "lock");
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                Thread.Sleep(5);
            }
        }
    }

    /// <summary>One JSON line per invocation or event, with its time, for the tests' assertions.</summary>
    private static void Log(JsonObject entry)
    {
        entry["t"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        entry["pid"] = Environment.ProcessId;
        var line = entry.ToJsonString() + "\n";
        using var _ = Lock();
        File.AppendAllText(Path.Combine(Home, "log.jsonl"), line, new UTF8Encoding(false));
    }

    private const string K3sYaml = """
        apiVersion: v1
        clusters:
        - cluster:
            certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJkekNDQVIyZ0F3SUJBZ0lCQURBS0JnZ3Foa2pPUFFRREFqQWpNU0V3SHdZRFZRUUREQmhyTTNNdGMyVnkKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=
            server: https://127.0.0.1:6443
          name: default
        contexts:
        - context:
            cluster: default
            user: default
          name: default
        current-context: default
        kind: Config
        preferences: {}
        users:
        - name: default
          user:
            client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJrVENDQVRlZ0F3SUJBZ0lJZmFrZQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==
            client-key-data: LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0tCk1IY0NBUUVFSUZha2UKLS0tLS1FTkQgRUMgUFJJVkFURSBLRVktLS0tLQo=

        """;
}
