"""The expert-review part of the demo contest: projects in the online review round, a rubric,
three judges with profiles, and a balanced assignment, so that ``make run`` shows a judge's
workspace and an organiser's progress board straight away. Everything goes through the services,
as an organiser would do it; a second run changes nothing."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import select

from roadshow.extensions import db
from roadshow.models import (
    Application, ApplicationSource, ApplicationStatus, Contest, JudgeProfile, MaterialKind, ProjectStage, Round,
    RoundKind, User,
)
from roadshow.services import assignments, materials, review_rounds, rubrics
from roadshow.storage import storage

DEMO_SEED = 2026

RUBRIC = [
    ("技术创新性", "Technical innovation", "核心技术的先进性、原创性与知识产权。",
     "How advanced and original the core technology is, and its IP.", "30", "0.5", True,
     "27 | 国际领先，拥有核心专利 | World-leading, with core patents\n18 | 国内先进 | Advanced in China\n"
     "9 | 常规技术 | Conventional"),
    ("市场前景", "Market prospects", "市场规模、需求真实性与竞争格局。",
     "Market size, real demand and competition.", "25", "1", False, ""),
    ("团队实力", "Team", "负责人与核心成员的经历、分工与投入。",
     "Experience, roles and commitment of the leader and core members.", "20", "1", False, ""),
    ("商业模式", "Business model", "盈利模式、融资计划与落地路径。",
     "How it earns money, its funding plan and its path to launch.", "15", "1", False, ""),
    ("社会效益", "Social impact", "就业带动、产业带动与可持续性。",
     "Jobs, industrial spillovers and sustainability.", "10", "0.5", False, ""),
]

PROJECTS = [
    # name, leader, institution, track index, stage, summary
    ("便携式超声诊断仪 Portable ultrasound", "陈立 Chen Li", "Stanford University", 0, ProjectStage.PROTOTYPE,
     "掌上超声设备，面向基层医疗。A palm-sized ultrasound scanner for rural clinics."),
    ("石墨烯散热膜 Graphene heat film", "王悦 Wang Yue", "University of Manchester", 1, ProjectStage.EARLY_REVENUE,
     "高导热石墨烯薄膜，用于手机与基站散热。Graphene film that cools phones and base stations."),
    ("CAR-T 实体瘤疗法 CAR-T for solid tumours", "李博 Li Bo", "Karolinska Institutet", 2, ProjectStage.PROTOTYPE,
     "针对实体瘤的新一代细胞疗法。Next-generation cell therapy for solid tumours."),
    ("协作机器人关节模组 Cobot joint modules", "赵强 Zhao Qiang", "Technical University of Munich", 3,
     ProjectStage.GROWTH, "高扭矩密度一体化关节。Integrated joints with high torque density."),
    ("低轨卫星物联网终端 LEO satellite IoT", "刘洋 Liu Yang", "National University of Singapore", 4,
     ProjectStage.EARLY_REVENUE, "直连低轨卫星的物联网模组。IoT modules that talk straight to LEO satellites."),
    ("可降解心脏支架 Bioresorbable stent", "孙敏 Sun Min", "Imperial College London", 0, ProjectStage.PROTOTYPE,
     "完全可吸收的镁合金支架。A fully resorbable magnesium-alloy stent."),
]

JUDGES = [
    # email, name, institution, track indexes, bio
    ("judge@demo.roadshow", "演示评委 Demo Judge", "中国科学院 Chinese Academy of Sciences", [0, 2],
     "医疗器械与生物医药方向研究员。Researcher in medical devices and biomedicine."),
    ("judge2@demo.roadshow", "演示评委二 Demo Judge 2", "创新投资基金 Innovation Fund", [1, 3],
     "硬科技投资合伙人。Partner at a deep-tech venture fund."),
    ("judge3@demo.roadshow", "演示评委三 Demo Judge 3", "清华大学 Tsinghua University", [4, 3],
     "信息通信教授。Professor of information and communication engineering."),
]


def minimal_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF (Helvetica, ASCII text) written by hand: enough for the viewer to show."""
    def escape(text: str) -> str:
        return text.encode("ascii", "replace").decode().replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = "BT /F1 20 Tf 60 760 Td (" + escape(title) + ") Tj /F1 12 Tf"
    for line in lines:
        stream += " 0 -24 Td (" + escape(line) + ") Tj"
    stream += " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def _attach_business_plan(application: Application, admin: User) -> None:
    import hashlib
    import io

    name = application.project_name.split(" ", 1)[-1]
    data = minimal_pdf(f"Business plan: {name}", [
        "Roadshow demo material.", f"Leader: {application.leader_name.split(' ', 1)[-1]}",
        f"Institution: {application.leader_institution}", "1. Problem  2. Solution  3. Market  4. Team  5. Funding",
    ])
    key = storage().new_key()
    storage().save_stream(io.BytesIO(data), key, len(data))
    materials.attach(application, MaterialKind.BUSINESS_PLAN, storage_key=key, filename="business-plan.pdf",
                     content_type="application/pdf", size=len(data), sha256=hashlib.sha256(data).hexdigest(), by=admin)


def _projects(contest: Contest, admin: User) -> None:
    existing = set(db.session.scalars(select(Application.project_name).where(Application.contest_id == contest.id)))
    for name, leader, institution, track, stage, summary in PROJECTS:
        if name in existing:
            continue
        application = Application(
            contest=contest, track_id=contest.tracks[track].id, status=ApplicationStatus.SCREENED_IN,
            source=ApplicationSource.IMPORTED, project_name=name, summary=summary, stage=stage,
            funding_sought=Decimal("3000000"), leader_name=leader, leader_institution=institution,
            country="CN", contact_email=f"{leader.split(' ')[-1].lower()}@example.org",
            submitted_at=datetime.now(timezone.utc),
        )
        db.session.add(application)
        db.session.flush()
        _attach_business_plan(application, admin)


def _judges(contest: Contest, judges: dict[str, User]) -> None:
    for email, _name, institution, tracks, bio in JUDGES:
        user = judges[email]
        if db.session.scalar(select(JudgeProfile).where(JudgeProfile.contest_id == contest.id,
                                                        JudgeProfile.user_id == user.id)) is None:
            db.session.add(JudgeProfile(contest_id=contest.id, user_id=user.id, institution=institution,
                                        expertise_track_ids=[contest.tracks[i].id for i in tracks], bio=bio))
    db.session.flush()


def seed_review(contest: Contest, admin: User, judges: dict[str, User]) -> None:
    """Bring the demo contest's online review round to "scoring open, judges assigned"."""
    round_ = db.session.scalar(select(Round).where(Round.contest_id == contest.id,
                                                   Round.kind == RoundKind.ONLINE_REVIEW))
    if round_ is None or round_.rubric_frozen:
        return
    _projects(contest, admin)
    _judges(contest, judges)
    if not round_.criteria:
        for name_zh, name_en, about_zh, about_en, top, step, comment, levels in RUBRIC:
            rubrics.add_criterion(round_, by=admin, name_zh=name_zh, name_en=name_en, description_zh=about_zh,
                                  description_en=about_en, max_points=top, weight="1", step=step,
                                  descriptors=levels, comment_required=comment)
    review_rounds.update_settings(round_, by=admin, judges_per_project=2, judges_see_peer_scores=False)
    review_rounds.enter_screened_in(round_, by=admin)
    assignments.run_solver(round_, by=admin, seed=DEMO_SEED)
    review_rounds.open_scoring(round_, by=admin)
