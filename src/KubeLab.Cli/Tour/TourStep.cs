namespace KubeLab.Cli.Tour;

/// <summary>One step of the tour: what it shows, the commands as a user would type them, and why.</summary>
public sealed record TourStep(string Title, IReadOnlyList<string[]> Commands, string Explanation, bool NeedsDataPlane = false);
