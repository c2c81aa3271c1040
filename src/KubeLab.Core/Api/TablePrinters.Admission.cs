using k8s.Models;

namespace KubeLab.Core.Api;

public static partial class TablePrinters
{
    /// <summary>mutatingWebhookColumnDefinitions / validatingWebhookColumnDefinitions: NAME, WEBHOOKS (an integer cell), AGE.</summary>
    private static TableColumn[] WebhookColumns =>
    [
        NameColumn,
        C("Webhooks", "Webhooks indicates the number of webhooks registered in this configuration", type: "integer"),
        AgeColumn,
    ];

    /// <summary>printMutatingWebhook: the number of webhooks.</summary>
    private static object?[] MutatingWebhooks(V1MutatingWebhookConfiguration configuration, DateTimeOffset now) =>
        [Name(configuration), (long)(configuration.Webhooks?.Count ?? 0), Age(configuration, now)];

    /// <summary>printValidatingWebhook: the number of webhooks.</summary>
    private static object?[] ValidatingWebhooks(V1ValidatingWebhookConfiguration configuration, DateTimeOffset now) =>
        [Name(configuration), (long)(configuration.Webhooks?.Count ?? 0), Age(configuration, now)];
}
