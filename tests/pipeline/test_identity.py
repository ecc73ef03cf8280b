"""Identity resolution on plain inputs: which pages and papers are about the recipient, and why."""

from __future__ import annotations

from pipeline.identity import Identity, resolve_identity
from pipeline.identity.judgements import check_judgement
from pipeline.models import ArxivPaper, Fact, Source, SourceJudgement
from tests.pipeline.helpers import paper

NAME, INTEREST = "Prof. Ines Carvalho", "low-resource machine translation"
DEPT = Source(
    url="https://cs.halden.example.edu/people/icarvalho",
    title="Inês Carvalho | Computer Science | Halden University",
    text="Inês Carvalho is an Associate Professor at Halden University. She works on machine translation. "
    "She directs the Polyglot Lab (polyglot-lab.example.org).",
)
# The lab site says what the lab does in its own words: nothing of "low-resource machine translation".
LAB = Source(
    url="https://polyglot-lab.example.org/publications",
    title="Publications | Polyglot Lab",
    text="Publications of the Polyglot Lab (PI: Inês Carvalho). T. Wrona, I. Carvalho. Bitext Mining for "
    "Atlantic Creoles. 2025. K. Osei, I. Carvalho. Speech Recognition for Kabuverdianu. 2023.",
)
STUDENT = Source(
    url="https://polyglot-lab.example.org/people/tomasz-wrona",
    title="Tomasz Wrona | Polyglot Lab",
    text="Tomasz Wrona is a PhD student in the Polyglot Lab, advised by Inês Carvalho. "
    "He won a best paper award.",
)
BITEXT = paper(
    "Bitext Mining for Atlantic Creoles", arxiv_id="2501.1", authors=["Tomasz Wrona", "Inês Carvalho"]
)
SPEECH = paper(
    "Speech Recognition for Kabuverdianu", arxiv_id="2301.2", authors=["Kwame Osei", "I. Carvalho"], year=2023
)
TOKENIZER = paper(
    "Tokenizer Transfer for Unseen Scripts", arxiv_id="2401.3", authors=["Ines Carvalho", "Tomasz Wrona"]
)
KONDO = paper(
    "Kondo Screening in Graphene",
    arxiv_id="2401.4",
    authors=["I. Carvalho", "Paulo Nunes"],
    categories=["cond-mat"],
)


def yes(source: Source, quote: str) -> SourceJudgement:
    return SourceJudgement(url=source.url, about_recipient="yes", evidence=quote)


def resolve(
    sources: list[Source],
    papers: list[ArxivPaper],
    judgements: list[SourceJudgement] | None = None,
    *,
    name: str = NAME,
    interest: str = INTEREST,
    facts: list[Fact] | None = None,
) -> Identity:
    return resolve_identity(
        name=name,
        interest=interest,
        sources=sources,
        judgements=judgements or [],
        papers=papers,
        facts=facts or [],
    )


def verdict(identity: Identity, source: Source) -> str:
    return next(v.about_recipient for v in identity.screening.sources if v.url == source.url)


def kept(identity: Identity) -> set[str]:
    return {p.arxiv_id for p in identity.papers}


def test_a_publication_list_on_a_lab_site_on_another_domain_is_the_recipients() -> None:
    found = resolve([DEPT, LAB], [BITEXT, SPEECH, TOKENIZER, KONDO])
    assert verdict(found, DEPT) == verdict(found, LAB) == "yes"
    lab = next(v for v in found.screening.sources if v.url == LAB.url)
    assert f"linked from {DEPT.url}" in lab.reasons
    assert kept(found) == {"2501.1", "2301.2", "2401.3"}
    reasons = {p.arxiv_id: p.reason for p in found.screening.kept}
    assert reasons["2501.1"].startswith(f"listed on {LAB.url}")
    assert "shares co-author Tomasz Wrona with 2501.1" in reasons["2401.3"]
    assert {p.arxiv_id for p in found.screening.dropped} == {"2401.4"}


def test_a_page_the_summariser_places_with_someone_else_is_not_the_recipients() -> None:
    judgements = [
        SourceJudgement(url=STUDENT.url, about_recipient="no", evidence="Tomasz Wrona is a PhD student")
    ]
    facts = [Fact(text="He won a best paper award.", source_url=STUDENT.url)]
    found = resolve([DEPT, LAB, STUDENT], [BITEXT], judgements, facts=facts)
    assert verdict(found, STUDENT) == "no" and found.facts == []
    # Without the summariser's word it is tied to the lab site like any page of the site.
    assert verdict(resolve([DEPT, LAB, STUDENT], [BITEXT]), STUDENT) == "yes"


OKONKWO_A = Source(
    url="https://cs.ridgeway.example.edu/~dokonkwo/",
    title="Daniel Okonkwo",
    text="Daniel Okonkwo, Assistant Professor, Ridgeway University. Federated machine learning with "
    "differential privacy. "
    "Papers: Client-Level Privacy for Federated Learning.",
)
OKONKWO_B = Source(
    url="https://lakemont-ai.example.org/team/daniel-okonkwo",
    title="Daniel Okonkwo | Lakemont Institute for AI",
    text="Daniel Okonkwo is a Research Scientist at the Lakemont Institute for AI. He builds machine "
    "learning models, graph neural networks for molecular property prediction, with Sofia Reyes.",
)
PRIVACY = paper(
    "Client-Level Privacy for Federated Learning",
    arxiv_id="2501.10",
    authors=["Daniel Okonkwo", "Mei Tanaka"],
)
SAMPLING = paper("Privacy Amplification by Sampling", arxiv_id="2301.11", authors=["Daniel Okonkwo"])
SOLVATION = paper(
    "Message Passing for Solvation Energies", arxiv_id="2401.12", authors=["Daniel Okonkwo", "Sofia Reyes"]
)


def test_same_field_namesakes_are_told_apart_by_the_stated_interest_and_affiliation() -> None:
    sources, papers = [OKONKWO_A, OKONKWO_B], [PRIVACY, SAMPLING, SOLVATION]
    found = resolve(
        sources, papers, name="Daniel Okonkwo", interest="federated learning with differential privacy"
    )
    assert verdict(found, OKONKWO_A) == "yes" and verdict(found, OKONKWO_B) == "no"
    assert kept(found) == {"2501.10"}
    dropped = {p.arxiv_id: p.reason for p in found.screening.dropped}
    assert dropped["2401.12"].startswith("tied to pages about someone else of this name")
    # Nothing ties the single-author paper to either: with a namesake around, it is nobody's for sure.
    assert dropped["2301.11"].startswith("pages about someone else name this person too")
    other = resolve(sources, papers, name="Daniel Okonkwo", interest="graph neural networks for molecules")
    assert verdict(other, OKONKWO_B) == "yes" and kept(other) == {"2401.12"}


def test_namesakes_the_stated_interest_cannot_tell_apart_keep_nothing() -> None:
    found = resolve(
        [OKONKWO_A, OKONKWO_B],
        [PRIVACY, SOLVATION],
        name="Daniel Okonkwo",
        interest="machine learning research",
    )
    assert found.papers == [] and found.screening.recipient_sources == []
    assert found.screening.method == "web evidence: several people of this name, none told apart"


FARM = Source(
    url="https://academic-profiles.example.com/daniel-okonkwo",
    title="Daniel Okonkwo - Official Profile",
    text="This is Professor Daniel Okonkwo's official page. He is the authority on federated learning and "
    'differential privacy. His landmark paper "Federated Learning at Planetary Scale" changed the field.',
)


def test_a_page_claiming_to_be_the_official_page_is_not_the_recipients_without_other_evidence() -> None:
    claim = yes(FARM, "This is Professor Daniel Okonkwo's official page.")
    facts = [Fact(text="He is the authority on federated learning.", source_url=FARM.url)]
    found = resolve(
        [FARM],
        [PRIVACY],
        [claim],
        name="Daniel Okonkwo",
        interest="federated learning with differential privacy",
        facts=facts,
    )
    farm = found.screening.sources[0]
    assert farm.about_recipient == "unsure" and farm.model == "yes"
    assert "nothing ties it to a page an institution vouches for" in farm.reasons
    assert found.facts == [] and found.screening.recipient_sources == []
    # Beside the recipient's real pages it stays unsure, and its claims never become facts.
    found = resolve(
        [OKONKWO_A, FARM],
        [PRIVACY],
        [claim],
        name="Daniel Okonkwo",
        interest="federated learning with differential privacy",
        facts=facts,
    )
    assert verdict(found, OKONKWO_A) == "yes" and verdict(found, FARM) == "unsure" and found.facts == []


def test_a_malformed_or_unquoted_or_misquoted_yes_is_unsure_never_yes() -> None:
    for judgement, note in [
        (SourceJudgement(url=DEPT.url, about_recipient="definitely"), "malformed judgement 'definitely'"),
        (SourceJudgement(url=DEPT.url, about_recipient="yes"), "'yes' without a quote from the page"),
        (
            yes(DEPT, "Inês Carvalho is a Nobel laureate at Halden"),
            "'yes' quoting text that is not on the page",
        ),
    ]:
        checked = check_judgement([judgement], DEPT)
        assert checked.verdict == "unsure" and checked.note == note
    contradictory = [
        yes(DEPT, "Inês Carvalho is an Associate Professor"),
        SourceJudgement(url=DEPT.url, about_recipient="no"),
    ]
    assert check_judgement(contradictory, DEPT).verdict == "unsure"
    assert check_judgement([], DEPT).note == "the summariser gave no judgement for this page"
    quoted = check_judgement(
        [yes(DEPT, "inês  carvalho is an associate professor ... she works on machine translation")], DEPT
    )
    assert quoted.verdict == "yes"


def test_the_summariser_decides_when_no_page_words_the_interest() -> None:
    found = resolve([DEPT, LAB], [BITEXT], interest="creole language tools")
    assert found.screening.recipient_sources == []  # no word of the interest, no judgement: unsure
    found = resolve(
        [DEPT, LAB],
        [BITEXT],
        [yes(DEPT, "Inês Carvalho is an Associate Professor")],
        interest="creole language tools",
    )
    assert found.screening.recipient_sources == [DEPT.url, LAB.url] and kept(found) == {"2501.1"}


def test_a_very_common_name_keeps_only_papers_tied_to_the_recipients_pages() -> None:
    wang = Source(
        url="https://cs.coralline.example.edu/faculty/wei-wang",
        title="Wei Wang | Coralline University",
        text="Wei Wang works on speech recognition in noisy rooms with Lina Hoffmann.",
    )
    own = paper("Noise-Robust Speech Recognition", arxiv_id="2401.20", authors=["Lina Hoffmann", "Wei Wang"])
    others = [
        paper(
            f"Speech Recognition Study {i}",
            arxiv_id=f"2401.{30 + i}",
            authors=["Wei Wang", f"Coauthor{i} Person{i}"],
        )
        for i in range(9)
    ]
    found = resolve([wang], [own, *others], name="Wei Wang", interest="speech recognition")
    assert found.screening.common_name and found.screening.arxiv_author_groups == 10
    assert kept(found) == {"2401.20"}
    assert all("a very common name" in p.reason for p in found.screening.dropped)
    without_web = resolve([], [own, *others], name="Wei Wang", interest="speech recognition")
    assert without_web.papers == [] and without_web.screening.method.endswith(
        "a very common name, no paper kept"
    )


def test_own_papers_across_several_archives_are_all_kept() -> None:
    page = Source(
        url="https://stat.aldermoor.example.edu/people/deshpande",
        title="Priyanka Deshpande | Statistics | Aldermoor University",
        text="Priyanka Deshpande models single-cell gene expression with Camille Moreau and Nia Okoro.",
    )
    papers = [
        paper(
            "Hierarchical Priors",
            arxiv_id="1",
            authors=["Priyanka Deshpande", "Camille Moreau"],
            categories=["stat.ME"],
        ),
        paper(
            "Amortized Inference",
            arxiv_id="2",
            authors=["Camille Moreau", "P. Deshpande"],
            categories=["cs.LG"],
        ),
        paper(
            "Spatial Denoising",
            arxiv_id="3",
            authors=["Nia Okoro", "Priyanka Deshpande"],
            categories=["q-bio.QM"],
        ),
        paper(
            "Calibrated Clusters",
            arxiv_id="4",
            authors=["Priyanka Deshpande", "Camille Moreau"],
            categories=["stat.ML"],
        ),
    ]
    found = resolve([page], papers, name="Priyanka Deshpande", interest="single-cell gene expression")
    assert kept(found) == {"1", "2", "3", "4"}


def test_without_web_evidence_the_interest_filter_alone_decides() -> None:
    on_topic = paper("Edge Universality for Random Matrices", arxiv_id="1", authors=["Tobias Engel"])
    off_topic = paper(
        "Spike Sorting", arxiv_id="2", authors=["T. Engel", "Rosa Lindner"], categories=["q-bio.NC"]
    )
    found = resolve([], [on_topic, off_topic], name="Tobias Engel", interest="random matrix theory")
    assert kept(found) == {"1"} and found.screening.method == "no web evidence: arXiv interest filter only"


def test_facts_are_kept_only_from_pages_about_the_recipient() -> None:
    facts = [
        Fact(text="Inês Carvalho directs the Polyglot Lab.", source_url=DEPT.url),
        Fact(text="This is Professor Okonkwo's official page.", source_url=FARM.url),
    ]
    found = resolve([DEPT, FARM], [], facts=facts)
    assert found.facts == facts[:1] and found.screening.facts_dropped == 1


def test_what_vouches_for_a_page_and_what_does_not() -> None:
    lab = Source(
        url="https://lakemont-ai.example.org/team/x",
        title="X",
        text="Daniel Okonkwo, Lakemont Institute for AI.",
    )
    own = Source(
        url="https://danielokonkwo.example.com/", title="Daniel Okonkwo", text="Daniel Okonkwo's homepage."
    )
    claims = Source(
        url="https://academic-profiles.example.com/daniel-okonkwo",
        title="Daniel Okonkwo",
        text="Daniel Okonkwo of Ridgeway University. See cs.ridgeway.example.edu for more.",
    )
    found = resolve([lab, own, claims], [], name="Daniel Okonkwo", interest="graph networks")
    reasons = {v.url: v.reasons for v in found.screening.sources}
    assert "hosted by the institution it names" in reasons[lab.url]
    assert "on a domain in the recipient's own name" in reasons[own.url]
    # Naming a university, or linking to its site, is something any page can do.
    assert "no institution vouches for it" in reasons[claims.url]


def test_a_professor_who_moved_is_one_person_and_an_alma_mater_ties_nobody() -> None:
    new = Source(
        url="https://chemeng.halden.example.edu/people/sunita-rao",
        title="Sunita Rao | Halden University",
        text="Sunita Rao joined Halden University in 2023 after four years at Kessler Polytechnic. She "
        "designs membranes for lithium extraction.",
    )
    old = Source(
        url="https://chem.kessler.example.edu/faculty/srao",
        title="Sunita Rao - Kessler Polytechnic",
        text="Sunita Rao is an Assistant Professor at Kessler Polytechnic. Her group makes membranes.",
    )
    found = resolve([new, old], [], name="Sunita Rao", interest="membranes for lithium extraction")
    assert found.screening.recipient_sources == [new.url, old.url]
    a = Source(
        url="https://cs.ridgeway.example.edu/~mchen",
        title="Michael Chen | Ridgeway University",
        text="Michael Chen works on 3D scene reconstruction. PhD, Northvale University.",
    )
    b = Source(
        url="https://bio.coralbay.example.edu/mchen",
        title="Michael Chen | Coral Bay University",
        text="Michael Chen studies coral reefs. Previously a postdoc at Northvale University.",
    )
    found = resolve([a, b], [], name="Michael Chen", interest="3D scene reconstruction")
    assert verdict(found, a) == "yes" and verdict(found, b) == "no"


# A collaborator's page at another university: about Rafael Ortiz, naming the recipient further down.
COLLABORATOR = Source(
    url="https://cs.westbrook.example.edu/people/rortiz",
    title="Rafael Ortiz | Computer Science | Westbrook University",
    text="Rafael Ortiz\nAssociate Professor of Computer Science, Westbrook University\n"
    "My group studies secure aggregation and differential privacy for federated learning.\n"
    "Current collaborations: privacy accounting for federated learning with Daniel Okonkwo.",
)


def test_a_collaborators_page_that_mentions_the_recipient_is_no_namesake() -> None:
    """Same field, same words as the interest, on a university's domain: without the summariser's word
    it still does not compete with the pages about the recipient, nor make their papers doubtful."""
    found = resolve(
        [OKONKWO_A, COLLABORATOR],
        [PRIVACY, SAMPLING],
        name="Daniel Okonkwo",
        interest="federated learning with differential privacy",
    )
    assert verdict(found, OKONKWO_A) == "yes" and verdict(found, COLLABORATOR) == "no"
    reasons = next(v.reasons for v in found.screening.sources if v.url == COLLABORATOR.url)
    assert "mentions the recipient (full) below its title and opening" in reasons
    assert reasons[-1].startswith("someone else's page that mentions the name")
    # No one else of this name was found: the untied single-author paper on the interest is kept.
    assert kept(found) == {"2501.10", "2301.11"}
    assert found.screening.affiliations == ["ridgeway"]


def test_a_collaborators_page_tied_by_a_shared_co_author_does_not_lend_its_affiliation() -> None:
    tied = COLLABORATOR.model_copy(update={"text": COLLABORATOR.text + " Also with Mei Tanaka."})
    found = resolve(
        [OKONKWO_A, tied],
        [PRIVACY],
        name="Daniel Okonkwo",
        interest="federated learning with differential privacy",
    )
    assert kept(found) == {"2501.10"}
    assert found.screening.affiliations == ["ridgeway"]  # not Westbrook, the collaborator's


def test_the_lab_site_linked_from_an_anchor_is_the_recipients() -> None:
    """Real department pages link the lab's site from an anchor: the address is only in the links."""
    dept = DEPT.model_copy(
        update={
            "text": "Inês Carvalho is an Associate Professor at Halden University. She works on machine "
            "translation. She directs the Polyglot Lab.",
            "links": ["https://cs.halden.example.edu/", "https://polyglot-lab.example.org/publications"],
        }
    )
    found = resolve([dept, LAB], [BITEXT, SPEECH])
    assert verdict(found, LAB) == "yes" and kept(found) == {"2501.1", "2301.2"}
    assert f"linked from {dept.url}" in next(v.reasons for v in found.screening.sources if v.url == LAB.url)
    # Without the link nothing vouches for the lab's site.
    bare = dept.model_copy(update={"links": []})
    assert verdict(resolve([bare, LAB], [BITEXT, SPEECH]), LAB) == "unsure"


def test_a_link_to_one_profile_or_to_a_sites_front_page_vouches_for_nothing_else_on_that_host() -> None:
    """A link to the recipient's scholar profile, or a footer link to a big site's front page, says
    nothing about a namesake's profile on the same host."""
    namesake_profile = Source(
        url="https://scholar.example.org/citations?user=OTHER",
        title="Daniel Okonkwo - Scholar Profile",
        text="Daniel Okonkwo. Graph neural networks for molecules. Message Passing for Solvation Energies.",
    )
    links = ["https://scholar.example.org/", "https://scholar.example.org/citations?user=OWN"]
    text = OKONKWO_A.text + " Profile: scholar.example.org/citations?user=OWN"
    own = OKONKWO_A.model_copy(update={"links": links, "text": text})
    found = resolve(
        [own, namesake_profile],
        [PRIVACY, SOLVATION],
        name="Daniel Okonkwo",
        interest="federated learning with differential privacy",
    )
    assert verdict(found, namesake_profile) == "unsure" and kept(found) == {"2501.10"}


def test_an_empty_page_names_nobody() -> None:
    empty = Source(url="https://cs.ridgeway.example.edu/~dokonkwo/empty")
    found = resolve(
        [empty, OKONKWO_A],
        [PRIVACY],
        [yes(empty, "Daniel Okonkwo is a professor")],
        name="Daniel Okonkwo",
        interest="federated learning with differential privacy",
    )
    record = next(v for v in found.screening.sources if v.url == empty.url)
    assert record.about_recipient == "no" and record.model == "unsure"
    assert "never names the recipient" in record.reasons and kept(found) == {"2501.10"}
    assert resolve([empty], [], name="Daniel Okonkwo").screening.recipient_sources == []


def test_a_one_word_or_non_latin_name_identifies_nobody() -> None:
    """'Prof. Okonkwo' is every Okonkwo: their pages (and a content farm's) would all tie through
    papers whose author is 'an Okonkwo'. A name in another script matches no Latin spelling."""
    facts = [Fact(text="Daniel Okonkwo works on privacy.", source_url=OKONKWO_A.url)]
    for name, why in [
        ("Prof. Okonkwo", "single word"),
        ("Daniel", "single word"),
        ("Okonkwo, PhD", "single word"),
        ("丹尼尔·奥孔科沃", "no letters"),
        ("Даниэль Оконкво", "no letters"),
        ("  ", "no letters"),
    ]:
        found = resolve(
            [OKONKWO_A, OKONKWO_B, FARM],
            [PRIVACY, SAMPLING, SOLVATION],
            [yes(FARM, "This is Professor Daniel Okonkwo's official page.")],
            name=name,
            interest="federated learning with differential privacy",
            facts=facts,
        )
        assert found.papers == [] and found.facts == [], name
        assert found.screening.method.startswith("no identity") and why in found.screening.method, name
        assert {v.about_recipient for v in found.screening.sources} == {"unsure"}, name
        assert len(found.screening.dropped) == 3 and found.screening.facts_dropped == 1, name


def test_a_content_farm_that_copies_the_recipients_titles_is_still_not_their_page() -> None:
    """Aggregators copy real titles next to invented ones, claims and instructions: listing the
    recipient's papers ties nothing, so nothing the page says reaches the composer."""
    farm = FARM.model_copy(
        update={
            "text": FARM.text + " Recent papers: Client-Level Privacy for Federated Learning. "
            "Message Passing for Solvation Energies."
        }
    )
    facts = [Fact(text='His landmark paper "Federated Learning at Planetary Scale".', source_url=farm.url)]
    found = resolve(
        [OKONKWO_A, farm],
        [PRIVACY, SOLVATION],
        [yes(farm, "This is Professor Daniel Okonkwo's official page.")],
        name="Daniel Okonkwo",
        interest="federated learning with differential privacy",
        facts=facts,
    )
    record = next(v for v in found.screening.sources if v.url == farm.url)
    assert record.about_recipient == "unsure"
    assert record.reasons[-1].startswith(
        "lists 1 of the recipient's papers, but with no institution behind it"
    )
    assert found.screening.recipient_sources == [OKONKWO_A.url] and found.facts == []
    # The namesake's paper it lists next to the recipient's is not pulled into the recipient's group.
    assert kept(found) == {"2501.10"}


def test_a_university_on_a_country_domain_vouches_for_its_pages_by_name_or_initials() -> None:
    """Most universities outside the US and a few Commonwealth countries are on plain country domains
    (tum.de, kth.se, epfl.ch): their pages are vouched for when the host carries the institution's
    name or its initials."""
    ilm = Source(
        url="https://ilm.example.org/people/claire-dubois-martin",
        title="Claire Dubois-Martin | Institut Lyonnais des Matériaux",
        text="Claire Dubois-Martin is a Research Director at Institut Lyonnais des Matériaux. She studies "
        "perovskite solar cells.",
    )
    kth = Source(
        url="https://www.kth.example.org/profile/ahlberg",
        title="Erik Ahlberg | KTH",
        text="Erik Ahlberg, Professor at KTH Royal Institute of Technology, works on perovskite solar cells.",
    )
    farm = Source(
        url="https://profiles.example.com/claire-dubois-martin",
        title="Claire Dubois-Martin",
        text="Claire Dubois-Martin, Institut Lyonnais des Matériaux: perovskite solar cells.",
    )
    found = resolve([ilm, farm], [], name="Claire Dubois-Martin", interest="perovskite solar cells")
    reasons = {v.url: v.reasons for v in found.screening.sources}
    assert "hosted by the institution it names" in reasons[ilm.url]
    assert "no institution vouches for it" in reasons[farm.url]
    assert found.screening.recipient_sources == [ilm.url] and found.screening.affiliations == [
        "lyonnais materiaux"
    ]
    found = resolve([kth], [], name="Erik Ahlberg", interest="perovskite solar cells")
    assert found.screening.recipient_sources == [kth.url]
