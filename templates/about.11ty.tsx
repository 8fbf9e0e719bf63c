import { loadedProject, permalinkIfSelected } from "../src/site/project.ts";
import { href, routes } from "../src/site/views.ts";
import { Layout } from "./_lib/layout.tsx";

export const data = { permalink: () => permalinkIfSelected("/about/") };

export function render() {
  const { config, kb } = loadedProject();
  return (
    <Layout title="About this archive" path={routes.about()} description="How the archive is made.">
      <h1>About this archive</h1>
      <h2>Where the articles come from</h2>
      <p>
        Articles are scraped from news outlets as plain text and imported into Markdown. The
        importer removes outlet furniture (player labels, share prompts, “Read more” links,
        related-link lists, tag lines, legal footnotes), keeps subheadings and photo captions, and
        never drops article text. Each article page names the raw file it came from.
      </p>
      <h2>Dates</h2>
      <p>
        An article’s date is the one its header states, shown with the exact header text as
        evidence. Where the header contradicts the content, for example a person called “new”
        Secretary of State years after their term, the article page shows a warning. Where the text
        states no date, the archive estimates a period from the dated roles the article mentions and
        files it there, always marked as an estimate.
      </p>
      <h2>People, organizations, places and topics</h2>
      <p>
        Names are found with a curated knowledge base of {kb.entities.length} entities: their names,
        spellings, common misspellings and dated roles, so that “the NATO chief” or “US Secretary of
        State” points to whoever held the office on the article’s date. Names the knowledge base
        lacks are detected automatically and marked as such until an editor reviews them. Articles
        get topics from {kb.topics.length} topic definitions; each article page shows the evidence
        for its topics.
      </p>
      <h2>Using the data</h2>
      <p>
        The extracted records are published for researchers as JSON and CSV under{" "}
        <a href={href(config, "/data/articles.json")}>data/articles.json</a>,{" "}
        <a href={href(config, "/data/entities.json")}>data/entities.json</a> and CSV files beside
        them.
      </p>
    </Layout>
  );
}
