#include "ReceptiveFieldPanel.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMetaMethod>
#include <QRadioButton>
#include <QSlider>
#include <QTableWidget>
#include <QVBoxLayout>

#include <stdexcept>

#include "LearnStyle.h"
#include "PageScroll.h"
#include "ReceptiveFieldView.h"
#include "models/ModelConfig.h"
#include "ops/Reach.h"

namespace {

// Delay between the last change of a choice and the request, so a burst of clicks asks once.
constexpr int kRequestDelayMs = 150;

QTableWidgetItem *cell(const QString &text, bool bold, Qt::Alignment alignment = Qt::AlignCenter) {
    auto *item = new QTableWidgetItem(text);
    item->setTextAlignment(alignment);
    item->setFlags(Qt::ItemIsEnabled);
    if (bold) {
        QFont font = item->font();
        font.setBold(true);
        item->setFont(font);
    }
    return item;
}

}  // namespace

ReceptiveFieldPanel::ReceptiveFieldPanel(QWidget *parent) : QWidget(parent) {
    setAccessibleName(tr("Receptive field lesson"));
    qRegisterMetaType<ReceptiveFieldRequest>();
    qRegisterMetaType<ReceptiveFieldResult>();

    m_presets = new QComboBox;
    for (const std::string &name : unetlab::presetNames()) m_presets->addItem(QString::fromStdString(name));
    m_presets->setAccessibleName(tr("Model preset"));
    learn::scaleFont(m_presets, 1.1);
    m_description = learn::captionLabel();
    auto *rules = learn::captionLabel();
    learn::scaleFont(rules, 0.9);
    rules->setText(
        tr("Rules: a k×k convolution adds (k − 1)·jump; a 2×2 stride-2 pool adds one jump and doubles "
           "it; a ×2 upsampling halves the jump. <i>Jump</i> is the distance in input pixels between "
           "neighbouring cells of a layer."));
    m_table = new QTableWidget(0, 5);
    m_table->setHorizontalHeaderLabels(
        // Two-line headers: five equal columns in a narrow window would cut "Field (chapter)".
        {tr("Stage"), tr("Layer"), tr("Jump"), tr("Field\n(chapter)"), tr("Reach\n(exact)")});
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    m_table->setAccessibleName(tr("Receptive field, layer by layer"));
    learn::scaleFont(m_table, 1.1);
    m_summary = learn::captionLabel();

    auto *left = new QVBoxLayout;
    auto *presetRow = new QHBoxLayout;
    presetRow->addWidget(learn::titleLabel(tr("Model:")));
    presetRow->addWidget(m_presets, 1);
    left->addLayout(presetRow);
    left->addWidget(m_description);
    left->addWidget(m_table, 1);
    left->addWidget(m_summary);
    left->addWidget(rules);

    auto *right = new QVBoxLayout;
    right->addWidget(learn::titleLabel(tr("Empirical map: what one output pixel depends on")));
    right->addWidget(buildMapControls());
    m_view = new ReceptiveFieldView;
    right->addWidget(m_view, 1);
    auto *legend = learn::captionLabel();
    learn::scaleFont(legend, 0.9);
    legend->setText(
        tr("Colour: |∂ output / ∂ input pixel| summed over the colour channels, dark to bright; "
           "pixels with exactly zero gradient stay uncoloured. <span style='color:#00c8e6'>■</span> "
           "box: where the gradient is non-zero. Dashed square: the chapter's field, centred on the "
           "pixel."));
    right->addWidget(legend);
    m_status = learn::captionLabel();
    right->addWidget(m_status);

    // Scrolls on a small screen (or in presentation mode) rather than forcing the window larger.
    auto *layout = new QHBoxLayout(PageScroll::content(this, tr("Receptive field lesson")));
    layout->setSpacing(32);
    layout->addLayout(left, 5);
    layout->addLayout(right, 6);

    m_requestTimer.setSingleShot(true);
    m_requestTimer.setInterval(kRequestDelayMs);
    connect(&m_requestTimer, &QTimer::timeout, this, &ReceptiveFieldPanel::requestMap);
    connect(m_presets, &QComboBox::currentTextChanged, this, [this] {
        refreshTable();
        choicesChanged();
    });
    connect(m_view, &ReceptiveFieldView::pixelChosen, this, &ReceptiveFieldPanel::choicesChanged);
    setClassNames({});
    refreshTable();
    choicesChanged();
}

QWidget *ReceptiveFieldPanel::buildMapControls() {
    auto *controls = new QWidget;
    auto *grid = new QGridLayout(controls);
    grid->setContentsMargins(0, 0, 0, 0);
    m_images = new QComboBox;
    m_images->setAccessibleName(tr("Image"));
    m_fresh = new QRadioButton(tr("Fresh (initial weights)"));
    m_trained = new QRadioButton(tr("Trained"));
    m_fresh->setChecked(true);
    auto *weights = new QButtonGroup(controls);
    weights->addButton(m_fresh);
    weights->addButton(m_trained);
    m_classes = new QComboBox;
    m_classes->setAccessibleName(tr("Which logit"));
    m_scale = new QComboBox;
    m_scale->addItem(tr("Log scale (4 decades)"));
    m_scale->addItem(tr("Linear scale"));
    m_scale->setAccessibleName(tr("Colour scale"));
    m_zoom = new QComboBox;
    m_zoom->addItem(tr("Whole image"), 0);
    m_zoom->addItem(tr("64 × 64 around the pixel"), 64);
    m_zoom->addItem(tr("16 × 16 around the pixel"), 16);
    m_zoom->setAccessibleName(tr("Zoom"));
    m_opacity = new QSlider(Qt::Horizontal);
    m_opacity->setRange(0, 100);
    m_opacity->setValue(80);
    m_opacity->setAccessibleName(tr("Map opacity"));
    grid->addWidget(new QLabel(tr("Image")), 0, 0);
    grid->addWidget(m_images, 0, 1);
    grid->addWidget(m_zoom, 0, 2);
    auto *weightRow = new QHBoxLayout;
    weightRow->addWidget(new QLabel(tr("Weights")));
    weightRow->addWidget(m_fresh);
    weightRow->addWidget(m_trained);
    weightRow->addStretch(1);
    grid->addLayout(weightRow, 0, 3);
    grid->addWidget(new QLabel(tr("Output")), 1, 0);
    grid->addWidget(m_classes, 1, 1);
    grid->addWidget(m_scale, 1, 2);
    auto *opacityRow = new QHBoxLayout;
    opacityRow->addWidget(new QLabel(tr("Map opacity")));
    opacityRow->addWidget(m_opacity, 1);
    grid->addLayout(opacityRow, 1, 3);
    grid->setColumnStretch(3, 1);

    connect(m_images, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int index) {
        if (index < 0 || index >= m_imageList.size()) return;
        m_view->setImage(m_imageList[index]);
        choicesChanged();
    });
    connect(m_trained, &QRadioButton::toggled, this, &ReceptiveFieldPanel::choicesChanged);
    connect(m_classes, qOverload<int>(&QComboBox::currentIndexChanged), this, &ReceptiveFieldPanel::choicesChanged);
    connect(m_scale, qOverload<int>(&QComboBox::currentIndexChanged), this,
            [this](int index) { m_view->setLogScale(index == 0); });
    connect(m_opacity, &QSlider::valueChanged, this, [this](int v) { m_view->setOpacity(v / 100.0); });
    connect(m_zoom, qOverload<int>(&QComboBox::currentIndexChanged), this,
            [this] { m_view->setZoomWindow(m_zoom->currentData().toInt()); });
    return controls;
}

void ReceptiveFieldPanel::setImages(const QVector<QImage> &images, const QStringList &names) {
    m_imageList = images;
    const QSignalBlocker block(m_images);
    m_images->clear();
    for (int i = 0; i < images.size(); ++i) m_images->addItem(names.value(i, tr("Image %1").arg(i)));
    m_view->setImage(images.value(0));
    if (!images.isEmpty()) {
        const QImage &first = images.front();
        const QPoint pixel = m_view->pixel();
        if (pixel.x() >= first.width() || pixel.y() >= first.height() || pixel == QPoint())
            m_view->setPixel(QPoint(first.width() / 2, first.height() / 2));
    }
    choicesChanged();
}

void ReceptiveFieldPanel::setClassNames(const QStringList &names) {
    const QSignalBlocker block(m_classes);
    m_classes->clear();
    m_classes->addItem(tr("All classes (sum of logits)"), -1);
    for (int i = 0; i < names.size(); ++i) m_classes->addItem(tr("Logit of %1").arg(names[i]), i);
}

void ReceptiveFieldPanel::setTrainedPresets(const QStringList &presets) {
    m_trainedPresets = presets;
    refreshTable();
    choicesChanged();
}

void ReceptiveFieldPanel::setPreset(const QString &preset) { m_presets->setCurrentText(preset); }
QString ReceptiveFieldPanel::preset() const { return m_presets->currentText(); }

void ReceptiveFieldPanel::setOutputPixel(const QPoint &pixel) {
    m_view->setPixel(pixel);
    choicesChanged();
}

void ReceptiveFieldPanel::setTrained(bool trained) {
    if (trained && !m_trained->isEnabled()) return;  // no trained weights for this preset
    (trained ? m_trained : m_fresh)->setChecked(true);
}

void ReceptiveFieldPanel::setClassIndex(int classIndex) {
    const int row = m_classes->findData(classIndex);
    if (row >= 0) m_classes->setCurrentIndex(row);
}

void ReceptiveFieldPanel::setImageIndex(int index) { m_images->setCurrentIndex(index); }

void ReceptiveFieldPanel::setZoomWindow(int side) {
    const int row = m_zoom->findData(side);
    if (row >= 0) m_zoom->setCurrentIndex(row);
}

QString ReceptiveFieldPanel::summaryText() const { return m_summary->text(); }
QString ReceptiveFieldPanel::statusText() const { return m_status->text(); }

void ReceptiveFieldPanel::refreshTable() {
    const std::string name = preset().toStdString();
    const unetlab::ModelConfig config = unetlab::presetConfig(name);
    const auto rows = unetlab::receptiveField(config);
    std::vector<unetlab::ops::ReachLayer> layers;
    for (const auto &row : rows) layers.push_back(unetlab::ops::reachLayerFromName(row.layer));
    const std::vector<int> reach = unetlab::ops::exactReach(layers);

    m_description->setText(QString::fromStdString(unetlab::presetDescription(name)));
    m_table->setRowCount(static_cast<int>(rows.size()));
    for (int i = 0; i < static_cast<int>(rows.size()); ++i) {
        const auto &row = rows[static_cast<std::size_t>(i)];
        const bool next = i + 1 < static_cast<int>(rows.size());
        // Bold: the last layer of the bottleneck and the output, the two figures the chapter quotes.
        const bool key = row.stage == "head" || (row.stage == "bottleneck" && next &&
                                                 rows[static_cast<std::size_t>(i) + 1].stage != "bottleneck");
        m_table->setItem(i, 0, cell(QString::fromStdString(row.stage), key, Qt::AlignLeft | Qt::AlignVCenter));
        m_table->setItem(i, 1, cell(QString::fromStdString(row.layer), key, Qt::AlignLeft | Qt::AlignVCenter));
        m_table->setItem(i, 2, cell(QString::number(row.jump), key));
        m_table->setItem(i, 3, cell(QString::number(row.field), key));
        m_table->setItem(i, 4, cell(QString::number(reach[static_cast<std::size_t>(i)]), key));
    }
    m_chapterField = rows.back().field;
    m_exactReach = reach.back();
    QString summary = tr("By the chapter's rule an output pixel of <b>%1</b> sees <b>%2 × %2</b> input pixels")
                          .arg(preset())
                          .arg(m_chapterField);
    if (config.arch == unetlab::Architecture::UNet)
        summary += tr(" (%1 × %1 at the bottleneck)").arg(unetlab::receptiveFieldAt(config, "bottleneck"));
    summary += QStringLiteral(".");
    if (m_exactReach != m_chapterField)
        summary += tr(" Counted exactly, each ×2 upsampling also reads a neighbouring low-resolution cell, so the "
                      "output can depend on up to <b>%1 × %1</b> pixels (the last column).")
                       .arg(m_exactReach);
    m_summary->setText(summary);
    m_view->setComparisonSide(m_chapterField);

    const bool trained = m_trainedPresets.contains(preset());
    m_trained->setEnabled(trained);
    m_trained->setToolTip(trained ? tr("The weights the engine trained for this preset")
                                  : tr("No trained weights for this preset yet: train it first"));
    if (!trained && m_trained->isChecked()) m_fresh->setChecked(true);
}

bool ReceptiveFieldPanel::engineConnected() const {
    return isSignalConnected(QMetaMethod::fromSignal(&ReceptiveFieldPanel::mapRequested));
}

void ReceptiveFieldPanel::showStatus(const QString &text) { m_status->setText(text); }

void ReceptiveFieldPanel::choicesChanged() {
    m_view->clearMap();
    ++m_lastRequest;  // whatever was asked before no longer matches what is shown
    m_waiting = false;
    if (m_imageList.isEmpty()) {
        showStatus(tr("No image yet: the map is drawn over a dataset image, which the app provides."));
        return;
    }
    if (!engineConnected()) {
        showStatus(tr("The empirical map is computed by the engine (LibTorch) from a real %1 model. No engine is "
                      "connected to this panel, so no map is shown; the table on the left is exact.")
                       .arg(preset()));
        return;
    }
    showStatus(tr("Click the image to choose the output pixel."));
    m_requestTimer.start();
}

ReceptiveFieldRequest ReceptiveFieldPanel::currentRequest() const {
    ReceptiveFieldRequest request;
    request.id = m_lastRequest;
    request.preset = preset();
    request.imageIndex = m_images->currentIndex();
    request.image = m_view->image();
    request.outputPixel = m_view->pixel();
    request.trained = m_trained->isChecked();
    request.classIndex = m_classes->currentData().toInt();
    return request;
}

void ReceptiveFieldPanel::requestMap() {
    m_requestTimer.stop();
    if (m_imageList.isEmpty()) return;
    ++m_lastRequest;
    m_waiting = true;
    const ReceptiveFieldRequest request = currentRequest();
    showStatus(tr("Computing the map of output pixel (%1, %2) with a %3 %4 model…")
                   .arg(request.outputPixel.x())
                   .arg(request.outputPixel.y())
                   .arg(request.trained ? tr("trained") : tr("fresh"))
                   .arg(request.preset));
    Q_EMIT mapRequested(request);
}

void ReceptiveFieldPanel::showResult(const ReceptiveFieldResult &result) {
    if (!m_waiting || result.requestId != m_lastRequest) return;  // an answer to an older question
    m_waiting = false;
    if (!result.error.isEmpty()) {
        m_view->clearMap();
        return showStatus(tr("The engine could not compute the map: %1").arg(result.error));
    }
    const QImage &image = m_view->image();
    if (result.width != image.width() || result.height != image.height() ||
        result.magnitude.size() != static_cast<std::size_t>(result.width) * static_cast<std::size_t>(result.height)) {
        m_view->clearMap();
        return showStatus(tr("The engine's map (%1 × %2) does not match the image (%3 × %4).")
                              .arg(result.width)
                              .arg(result.height)
                              .arg(image.width())
                              .arg(image.height()));
    }
    m_view->setMap(result.magnitude, result.width, result.height);
    const QRect box = m_view->measuredBox();
    const QPoint pixel = m_view->pixel();
    const QString model =
        result.modelDescription.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(result.modelDescription);
    if (box.isNull())
        return showStatus(tr("The gradient of output pixel (%1, %2) is zero everywhere%3: nothing in the input "
                             "moves it (every path through the network is switched off).")
                              .arg(pixel.x())
                              .arg(pixel.y())
                              .arg(model));
    const bool cut = box.left() == 0 || box.top() == 0 || box.right() == image.width() - 1 ||
                     box.bottom() == image.height() - 1;
    const QString expected = m_exactReach == m_chapterField
                                 ? tr("The table says %1 × %1.").arg(m_chapterField)
                                 : tr("The chapter's rule says %1 × %1; the exact reach is %2 × %2.")
                                       .arg(m_chapterField)
                                       .arg(m_exactReach);
    showStatus(tr("Output pixel (%1, %2)%3 depends on a <b>%4 × %5</b> pixel region. %6%7")
                   .arg(pixel.x())
                   .arg(pixel.y())
                   .arg(model)
                   .arg(box.width())
                   .arg(box.height())
                   .arg(expected, cut ? tr(" The image border cuts the region off here.") : QString()));
}
